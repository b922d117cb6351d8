// Generated from the OpenAPI spec by `npm run build:client` (client/generate.ts). Do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The database and the storage are usable */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/register/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create an account and get its API token */
        post: operations["register"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api-token-auth/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Exchange username and password for the user's current API token */
        post: operations["obtainToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/regenerateToken/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Replace the API token; the old one is refused from this moment */
        get: operations["regenerateToken"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the caller's images (not those in the trash), filtered and ordered
         * @description A plain JSON array. When there are more, the `Link` header carries the next page (rel="next"), with the same filters. Filters combine (all must hold); `metadata.<key>=<value>` filters on a metadata value.
         */
        get: operations["listImages"];
        put?: never;
        /**
         * Upload an image
         * @description Multipart, the file in the field `image`. The content decides what the file is: JPEG, PNG, WebP, GIF, AVIF or TIFF. Limits: MAX_UPLOAD_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_FRAMES. Optional fields: `title`, `description`, `tags` (comma-separated, or the field repeated), `metadata` (a JSON object), `expires_in` (seconds, at least 60) or `expires_at` (ISO 8601): the image is deleted then; `album` (an album id): the image goes into it. Several `image` parts (up to MAX_FILES_PER_REQUEST): each is stored on its own and the answer is 207 with one result per file. Or JSON `{"url": "https://...", "filename"?, and the same fields}`: the image is fetched from the URL (private addresses refused; errors under `url`). An `Idempotency-Key` header makes retries safe: the same key and request within 24 h get the first answer. Or the image as the whole body with its `Content-Type: image/…` (name from `?filename=` or Content-Disposition).
         */
        post: operations["uploadImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/trash/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's images in the trash, most recently trashed last
         * @description Each is deleted for good TRASH_RETENTION_DAYS after it was trashed; restore it with POST /images/<id>/restore.
         */
        get: operations["listTrash"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tags/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's tags, with how many images (not in the trash) carry each */
        get: operations["listTags"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/bulk/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * One action on up to 1,000 images, all or nothing
         * @description `add_tags`/`remove_tags` need `tags`; `add_to_album`/`remove_from_album` need `album`; `delete` also needs the images:delete scope, as does `trash`. One id that is not yours: 400 naming it, and nothing changes.
         */
        post: operations["bulkImages"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/{id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One image */
        get: operations["getImage"];
        /**
         * Replace the content of an image (same id)
         * @description Multipart, the file in the field `image`, or JSON `{"url": ...}`. Atomic: a replace that fails for any reason leaves the image as it was. The title, description, tags, metadata and albums stay (change them with PATCH). Accepts an `Idempotency-Key` header. The image may also be the whole body (`Content-Type: image/…`).
         */
        put: operations["replaceImage"];
        post?: never;
        /** Delete an image for good (POST /images/<id>/trash moves it to the trash instead) */
        delete: operations["deleteImage"];
        options?: never;
        head?: never;
        /**
         * Change an image's title, description, tags or metadata
         * @description Only the fields given change. `tags` replaces the tags; `add_tags` and `remove_tags` edit them. `metadata` replaces the metadata (null removes it). Limits: title 200 characters, description 5,000, 50 tags of 1-64 letters, digits, spaces and - _ . : (stored lower-case), metadata 50 string/number/boolean values with keys of at most 64 characters, 8 KiB.
         */
        patch: operations["updateImage"];
        trace?: never;
    };
    "/images/{id}/trash": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Move an image to the trash: hidden from lists, its links and shares stop working until it is restored */
        post: operations["trashImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/{id}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Bring an image back from the trash, with the same id, links and albums */
        post: operations["restoreImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/{id}/content": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The image bytes, or a variant of them, for the owner
         * @description Without parameters: the stored original. With w/h/fit/format/q/dpr/enlarge or preset: a variant, rendered on first use and cached. Supports HEAD, Range and If-None-Match.
         */
        get: operations["getImageContent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/uploads/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a resumable upload (tus 1.0 creation, creation-with-upload)
         * @description Headers: `Tus-Resumable: 1.0.0`, `Upload-Length` (at most MAX_RESUMABLE_UPLOAD_BYTES; checked against the quota before any byte), optional `Upload-Metadata` (`filename`, `title`, `description`, `tags`, `metadata`, `expires_in`, `expires_at`, each base64) and `Idempotency-Key`. A body (Content-Type: application/offset+octet-stream) is the first chunk. 201 with `Location`: send the rest there with PATCH.
         */
        post: operations["createUpload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/uploads/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A resumable upload: its progress, and once complete the image it became or why it was refused */
        get: operations["getUpload"];
        put?: never;
        post?: never;
        /** Terminate a resumable upload: its bytes are removed (the image it became, if any, stays) */
        delete: operations["terminateUpload"];
        options?: never;
        head?: never;
        /**
         * Send the next chunk of a resumable upload
         * @description Headers: `Tus-Resumable: 1.0.0`, `Upload-Offset` (the offset HEAD gave), `Content-Type: application/offset+octet-stream`, optional `Upload-Checksum: sha256 <base64>` (a mismatch is 460 and the chunk is dropped). 204 with the new `Upload-Offset`; the chunk that completes the upload gets the image (200) or the refusal an upload of the same file gets (4xx, same body). 409 when the offset is not the current one.
         */
        patch: operations["appendUpload"];
        trace?: never;
    };
    "/webhooks/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's webhooks */
        get: operations["listWebhooks"];
        put?: never;
        /**
         * Send events to a URL
         * @description Up to 10 per user. The `secret` signs every delivery (headers webhook-id, webhook-timestamp, webhook-signature: the Standard Webhooks scheme) and is shown this once. The URL must resolve to a public address (OUTBOUND_ALLOW opens others).
         */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One webhook */
        get: operations["getWebhook"];
        put?: never;
        post?: never;
        /** Delete a webhook (its pending deliveries go with it) */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        /** Change a webhook's URL, events or description; `active: true` enables a disabled one again */
        patch: operations["updateWebhook"];
        trace?: never;
    };
    "/webhooks/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a `ping` event to this webhook */
        post: operations["pingWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new signing secret; the old one also signs for 24 hours */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}/deliveries/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The last 100 delivery attempts, newest first: event, answer, duration, error, next retry */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}/deliveries/{deliveryId}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a delivered or failed event again (same webhook-id) */
        post: operations["redeliverWebhookEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/albums/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's albums, by id
         * @description A plain JSON array; the `Link` header carries the next page (rel="next") when there are more.
         */
        get: operations["listAlbums"];
        put?: never;
        /**
         * Create an album
         * @description Title 1-200 characters, description at most 5,000.
         */
        post: operations["createAlbum"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/albums/{id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One album */
        get: operations["getAlbum"];
        put?: never;
        post?: never;
        /** Delete an album (its images stay) */
        delete: operations["deleteAlbum"];
        options?: never;
        head?: never;
        /** Change an album's title or description */
        patch: operations["updateAlbum"];
        trace?: never;
    };
    "/albums/{id}/images/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The album's images in album order (those in the trash left out)
         * @description The same as GET /images/?album=<id>&order=album.
         */
        get: operations["listAlbumImages"];
        /**
         * Set the images of an album and their order
         * @description The album then holds exactly these images, in this order (up to 10,000). To reorder, send all its ids.
         */
        put: operations["setAlbumImages"];
        /**
         * Add images to an album, after those already in it, in the order given
         * @description Idempotent: an image already in the album keeps its place. An id that is not yours: 400 naming it, nothing added.
         */
        post: operations["addAlbumImages"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/albums/{id}/images/{imageId}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Take an image out of an album (the image stays) */
        delete: operations["removeAlbumImage"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/presets/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your presets, by name */
        get: operations["listPresets"];
        put?: never;
        /**
         * Name a set of variant parameters
         * @description Up to 50 per user. `params` takes the parameters of the content path (w, h, fit, position, format, q, dpr, enlarge and the edits) with the same ranges; they are stored in canonical order.
         */
        post: operations["createPreset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/presets/{name}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One preset */
        get: operations["getPreset"];
        put?: never;
        post?: never;
        /**
         * Delete a preset
         * @description Changing or deleting a preset changes the links it produces: their signature covers its expansion, so links made from the old definition stop working (403), and image JSON fetched afterwards carries new ones.
         */
        delete: operations["deletePreset"];
        options?: never;
        head?: never;
        /**
         * Rename or redefine a preset
         * @description Changing or deleting a preset changes the links it produces: their signature covers its expansion, so links made from the old definition stop working (403), and image JSON fetched afterwards carries new ones.
         */
        patch: operations["updatePreset"];
        trace?: never;
    };
    "/media/{userId}/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Image bytes through a signed link (the `url` and `variants` of an image)
         * @description No credentials: the signature is the credential, and it covers the exact variant parameters. Supports HEAD, Range and If-None-Match.
         */
        get: operations["getSignedMedia"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/shares/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's share links (without their URLs), optionally of one image or album */
        get: operations["listShares"];
        put?: never;
        /**
         * Share an image or an album through a link of its own
         * @description Exactly one of `image` and `album`. The `url` (`<PUBLIC_URL>/s/<token>`) is shown this once: only a hash of its token is kept. The link stops when revoked, expired, past `max_views`, when the image is deleted or in the trash (for an album: image by image), or when the owner is disabled.
         */
        post: operations["createShare"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/shares/{id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One share link */
        get: operations["getShare"];
        put?: never;
        post?: never;
        /**
         * Revoke a share link at once
         * @description The origin refuses it from now on; a CDN may keep serving what it cached for up to its max-age.
         */
        delete: operations["revokeShare"];
        options?: never;
        head?: never;
        /** Change a share's label, expiry, password, view limit or what it allows */
        patch: operations["updateShare"];
        trace?: never;
    };
    "/s/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A share: an HTML page for browsers, JSON for `Accept: application/json`
         * @description Counts one view. Unknown, revoked, expired and used-up shares are all the same 404. A password share answers browsers with a form and JSON clients with 401 unless X-Share-Password is sent.
         */
        get: operations["viewShare"];
        put?: never;
        /**
         * Exchanges a share's password for a cookie that opens it for an hour (the page's form posts here)
         * @description Wrong passwords are counted per address and per share (LOGIN_FAILURES_PER_USER, LOGIN_FAILURES_PER_ACCOUNT); past either: 429.
         */
        post: operations["unlockShare"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/s/{token}/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A shared image's original, always its current content (stable) */
        get: operations["getSharedOriginal"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/s/{token}/{id}/{variant}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A shared image's original (`original`), its download (`download`, where the share allows it) or an allowed preset, always the current content (stable)
         * @description Cache-Control: public, max-age=PUBLIC_STABLE_MAX_AGE; ETag; Vary: Accept where the preset negotiates.
         */
        get: operations["getSharedVariant"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/s/{token}/{id}/{variant}/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This content of a shared image, as `<hash prefix>.<ext>` (immutable; 404 once the image is replaced)
         * @description Cache-Control: public, max-age=PUBLIC_IMMUTABLE_MAX_AGE (at most until the share expires), immutable.
         */
        get: operations["getSharedImmutable"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller: name, usage and limits
         * @description Limits of 0 mean unlimited (`upload_bytes` is always set). Bytes count each image, also when identical files share storage.
         */
        get: operations["getMe"];
        put?: never;
        post?: never;
        /**
         * Delete your account and all your images
         * @description Asks for your password. Irreversible: the images go, the token, links and shares stop at once.
         */
        delete: operations["deleteMe"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me/password/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change your password; the token is replaced (the old one stops working)
         * @description Failed checks count like failed logins (429 past the limit); rate-limited per client address.
         */
        post: operations["changePassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me/revoke-links": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * End every signed link of your images at once
         * @description Rotates the key your links carry: every `url`, `variants` and `srcset` link handed out so far stops working (403); image JSON fetched afterwards carries new ones. Your token is not affected.
         */
        post: operations["revokeLinks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/users/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every account with its usage */
        get: operations["adminListUsers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/users/{username}/disable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Disable an account: its token is refused from the next request */
        post: operations["adminDisableUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/users/{username}/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Enable a disabled account */
        post: operations["adminEnableUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/users/{username}/revoke-token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revoke an account's token */
        post: operations["adminRevokeToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/users/{username}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete an account and its images (bytes other accounts share are kept) */
        delete: operations["adminDeleteUser"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/users/{username}/keys/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An account's API keys (without their secrets) */
        get: operations["adminListKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/users/{username}/keys/{id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke one of an account's API keys */
        delete: operations["adminRevokeKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/keys/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your API keys (without their secrets) */
        get: operations["listKeys"];
        put?: never;
        /**
         * Create an API key (its secret is shown once)
         * @description It may hold only scopes the credentials used here hold (`admin` only for admin accounts). Up to 50 keys per account.
         */
        post: operations["createKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/keys/{id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One API key */
        get: operations["getKey"];
        put?: never;
        post?: never;
        /** Revoke a key at once (on every instance) */
        delete: operations["revokeKey"];
        options?: never;
        head?: never;
        /** Rename a key or narrow its scopes */
        patch: operations["updateKey"];
        trace?: never;
    };
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** API root: the endpoints (JSON), or the web app for browsers (Accept: text/html) */
        get: operations["getApiRoot"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Image: {
            /** @description Per-user id, from 1, never reused */
            id: number;
            /**
             * Format: uri
             * @description Signed, expiring link to the bytes; works without headers (e.g. in <img>)
             */
            url: string;
            /** Format: date-time */
            url_expires_at: string;
            /**
             * Format: uri
             * @description Stable link to the bytes; needs the Authorization header
             */
            content_url: string;
            /** @description The client's file name, sanitised for display */
            filename: string;
            /** @description Detected from the content */
            content_type: string;
            /** @enum {unknown} */
            format: "jpeg" | "png" | "webp" | "gif" | "avif" | "tiff";
            /** @description Upright width (EXIF orientation applied) */
            width: number;
            /** @description Upright height */
            height: number;
            /** @description Size of the stored file (metadata removed) */
            bytes: number;
            /** @description SHA-256 of the stored file */
            sha256: string;
            animated: boolean;
            frames: number;
            has_alpha: boolean;
            /** @description ThumbHash (base64) of the image: decode it into a blurred placeholder */
            placeholder: string;
            dominant_color: string;
            /** @description A safe summary of the photo's EXIF (never serial numbers; the location only where the deployment enables it) */
            exif: {
                camera?: string;
                lens?: string;
                /** @description Local time as the camera recorded it, without zone */
                taken_at?: string;
                exposure?: string;
                location?: {
                    latitude: number;
                    longitude: number;
                };
            } | null;
            /** @description A signed link for every preset */
            variants: {
                [key: string]: string;
            };
            /** @description Ready for <img srcset>: the width-only presets at the widths they produce */
            srcset: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            title: string | null;
            description: string | null;
            /** @description Lower-case, in the order given */
            tags: string[];
            metadata: {
                [key: string]: string | number | boolean;
            } | null;
            /** @description Ids of the albums the image is in */
            albums: number[];
            /** @description The subject, kept by position=focal crops (null: none set) */
            focal_point: {
                /** @description From the left edge (0) to the right edge (1) */
                x: number;
                /** @description From the top edge (0) to the bottom edge (1) */
                y: number;
            } | null;
            /** @description Set while the image is in the trash: its links and shares do not work then */
            trashed_at: string | null;
            /** @description The image is deleted at this time */
            expires_at: string | null;
        };
        /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
        Error: {
            detail?: string;
        } & {
            [key: string]: unknown;
        };
        Token: {
            /** @description API token: send it as `Authorization: Token <token>` (or `Bearer <token>`) */
            token: string;
        };
        Me: {
            username: string;
            /** @description Everything you keep, the trash included (it counts against the limits until it is purged) */
            usage: {
                images: number;
                bytes: number;
            };
            /** @description The part of the usage in the trash */
            trash: {
                images: number;
                bytes: number;
            };
            limits: {
                /** @description Most images you may keep (0: no limit) */
                images: number;
                /** @description Most bytes you may keep (0: no limit) */
                bytes: number;
                /** @description Largest file accepted in one request (POST /images/) */
                upload_bytes: number;
                /** @description Largest file accepted through resumable uploads (/uploads/, tus) */
                resumable_upload_bytes: number;
            };
        };
        AdminUser: {
            username: string;
            email: string | null;
            admin: boolean;
            disabled: boolean;
            images: number;
            /** @description Bytes of the images (shared content counted for each image) */
            bytes: number;
            /** Format: date-time */
            created_at: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {unknown} */
                        status: "ok" | "unavailable";
                        /** @enum {unknown} */
                        database?: "ok" | "unavailable";
                        /** @enum {unknown} */
                        storage?: "ok" | "unavailable";
                    };
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {unknown} */
                        status: "ok" | "unavailable";
                        /** @enum {unknown} */
                        database?: "ok" | "unavailable";
                        /** @enum {unknown} */
                        storage?: "ok" | "unavailable";
                    };
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {unknown} */
                        status: "ok" | "unavailable";
                        /** @enum {unknown} */
                        database?: "ok" | "unavailable";
                        /** @enum {unknown} */
                        storage?: "ok" | "unavailable";
                    };
                };
            };
        };
    };
    register: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Letters, digits and @ . + - _ */
                    username: string;
                    /** @description At least 8 characters, not entirely numeric, not common, not like the username */
                    password: string;
                    email?: string;
                };
                "application/x-www-form-urlencoded": {
                    /** @description Letters, digits and @ . + - _ */
                    username: string;
                    /** @description At least 8 characters, not entirely numeric, not common, not like the username */
                    password: string;
                    email?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Token"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    obtainToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Letters, digits and @ . + - _ */
                    username: string;
                    password: string;
                };
                "application/x-www-form-urlencoded": {
                    /** @description Letters, digits and @ . + - _ */
                    username: string;
                    password: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Token"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    regenerateToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Token"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listImages: {
        parameters: {
            query: {
                limit: number;
                /** @description From the Link header of the previous page */
                cursor?: string;
                /** @description oldest/newest: by upload order (id; a replace keeps its place). taken/-taken: by the EXIF time the photo was taken, then the images without one. title: by title, then the untitled. album: in the order of the album given by album= */
                order: "oldest" | "newest" | "taken" | "-taken" | "title" | "album";
                tag?: string | string[];
                /** @description Images in this album */
                album?: number;
                /** @description Words in the file name, title, description or tags: all must match, whole words, case and accents ignored; a word ending in * matches words that start with it (harb*) */
                q?: string;
                format?: "jpeg" | "png" | "webp" | "gif" | "avif" | "tiff";
                animated?: boolean;
                min_width?: number;
                min_height?: number;
                /** @description Uploaded at or after */
                created_after?: string;
                /** @description Uploaded before */
                created_before?: string;
                /** @description Taken at or after (EXIF local time; a date or date-time) */
                taken_after?: string;
                /** @description Taken before */
                taken_before?: string;
                /** @description Images with exactly these bytes (check before uploading) */
                sha256?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"][];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    uploadImage: {
        parameters: {
            query?: {
                /** @description The file name of an image sent as the whole body */
                filename?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description The image file
                     */
                    image: string;
                };
                "application/json": {
                    /**
                     * Format: binary
                     * @description The image file
                     */
                    image: string;
                };
                "image/*": {
                    /**
                     * Format: binary
                     * @description The image file
                     */
                    image: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            /** @description Default Response */
            207: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        results: {
                            /** @description Position of the file among the request's files, from 0 */
                            index: number;
                            /** @description The status this file alone would have got (201, 400, 413, ...) */
                            status: number;
                            image?: components["schemas"]["Image"];
                            /** @description The DRF-style error body, when refused */
                            error?: {
                                [key: string]: unknown;
                            };
                        }[];
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listTrash: {
        parameters: {
            query: {
                limit: number;
                /** @description From the Link header of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"][];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listTags: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tag: string;
                        count: number;
                    }[];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    bulkImages: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    ids: number[];
                    /** @enum {unknown} */
                    action: "delete" | "add_tags" | "remove_tags" | "add_to_album" | "remove_from_album" | "trash" | "restore";
                    /** @description For add_tags and remove_tags */
                    tags?: string[];
                    /** @description For add_to_album and remove_from_album */
                    album?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {unknown} */
                        action: "delete" | "add_tags" | "remove_tags" | "add_to_album" | "remove_from_album" | "trash" | "restore";
                        count: number;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    replaceImage: {
        parameters: {
            query?: {
                /** @description The file name of an image sent as the whole body */
                filename?: string;
            };
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description The image file
                     */
                    image: string;
                };
                "application/json": {
                    /**
                     * Format: binary
                     * @description The image file
                     */
                    image: string;
                };
                "image/*": {
                    /**
                     * Format: binary
                     * @description The image file
                     */
                    image: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updateImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    title?: string | null;
                    description?: string | null;
                    /** @description Replaces the tags */
                    tags?: string[];
                    add_tags?: string[];
                    remove_tags?: string[];
                    /** @description Replaces the metadata */
                    metadata?: {
                        [key: string]: unknown;
                    } | null;
                    /** @description The subject, kept by position=focal crops; null clears it */
                    focal_point?: {
                        /** @description From the left edge (0) to the right edge (1) */
                        x: number;
                        /** @description From the top edge (0) to the bottom edge (1) */
                        y: number;
                    } | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    trashImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    restoreImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getImageContent: {
        parameters: {
            query?: {
                /** @description Width (CSS pixels; multiplied by dpr) */
                w?: number;
                /** @description Height (CSS pixels; multiplied by dpr) */
                h?: number;
                /** @description Default inside */
                fit?: "cover" | "contain" | "inside" | "outside" | "fill";
                /** @description With fit=cover: what the crop keeps. center (default); a compass point keeps that side or corner; entropy the busiest region; attention the region most likely to draw the eye (costs more to render) */
                position?: "center" | "north" | "northeast" | "east" | "southeast" | "south" | "southwest" | "west" | "northwest" | "entropy" | "attention" | "focal";
                /** @description auto: AVIF, then WebP, then the original format, by Accept */
                format?: "jpeg" | "png" | "webp" | "gif" | "avif" | "auto";
                /** @description Quality */
                q?: number;
                /** @description Device pixel ratio */
                dpr?: number;
                /** @description Allow output larger than the original */
                enlarge?: boolean;
                /** @description x,y,w,h: the rectangle to keep, in pixels of the upright original, before resizing; inside the image */
                crop?: string;
                /** @description Clockwise, after crop */
                rotate?: 0 | 90 | 180 | 270;
                /** @description Mirror after rotate: h left-right, v top-bottom, hv both */
                flip?: "h" | "v" | "hv";
                /** @description Remove a uniform border: how far (0–255 per channel) a pixel may differ from the top-left one. Still images only */
                trim?: number;
                /** @description Gaussian blur sigma in output pixels; sigma × output megapixels ≤ 400 */
                blur?: number;
                /** @description Sharpen sigma in output pixels */
                sharpen?: number;
                /** @description Shades of grey */
                grayscale?: boolean;
                /** @description Pixels added on every side after resizing (CSS pixels; multiplied by dpr) */
                pad?: number;
                /** @description rrggbb or rrggbbaa: fills the pad and fit=contain letterbox, and is flattened under transparency (always when opaque, and for JPEG). Default: transparent, black in JPEG */
                background?: string;
                /** @description A named preset instead of the parameters */
                preset?: string;
            };
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image bytes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": string;
                };
            };
            /** @description The image bytes */
            206: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": string;
                };
            };
            /** @description No content */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            416: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createUpload: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": null | components["schemas"]["Image"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            460: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getUpload: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @description Where the chunks go (PATCH), as in the Location header */
                        url: string;
                        length: number;
                        /** @description Bytes received so far */
                        offset: number;
                        filename: string | null;
                        /**
                         * @description receiving: more bytes expected; processing: complete, being ingested; done: `image` holds it; refused: `error` says why
                         * @enum {unknown}
                         */
                        status: "receiving" | "processing" | "done" | "refused";
                        created_at: string;
                        /** @description An unfinished upload is removed then (UPLOAD_EXPIRY_HOURS after creation) */
                        expires_at: string;
                        image?: components["schemas"]["Image"];
                        error?: {
                            status: number;
                            body: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    terminateUpload: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    appendUpload: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            460: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listWebhooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** Format: uri */
                        url: string;
                        events: ("image.created" | "image.replaced" | "image.updated" | "image.deleted" | "image.trashed" | "image.restored" | "album.created" | "album.updated" | "album.deleted" | "share.created" | "share.revoked" | "share.viewed" | "quota.warning" | "ping")[];
                        description: string | null;
                        /** @description false once disabled (by its owner, or after WEBHOOK_FAILURES_TO_DISABLE failures in a row) */
                        active: boolean;
                        disabled_reason: string | null;
                        /** @description Failed delivery attempts in a row */
                        consecutive_failures: number;
                        /** @description After a rotation: until then the old secret signs too */
                        previous_secret_until: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /** Format: date-time */
                        updated_at: string;
                        /** @description The signing secret (whsec_…): shown when made and when rotated, never again */
                        secret?: string;
                    }[];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description http(s) URL that receives POSTs; private addresses refused unless OUTBOUND_ALLOW */
                    url: string;
                    events: ("image.created" | "image.replaced" | "image.updated" | "image.deleted" | "image.trashed" | "image.restored" | "album.created" | "album.updated" | "album.deleted" | "share.created" | "share.revoked" | "share.viewed" | "quota.warning" | "ping")[];
                    description?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** Format: uri */
                        url: string;
                        events: ("image.created" | "image.replaced" | "image.updated" | "image.deleted" | "image.trashed" | "image.restored" | "album.created" | "album.updated" | "album.deleted" | "share.created" | "share.revoked" | "share.viewed" | "quota.warning" | "ping")[];
                        description: string | null;
                        /** @description false once disabled (by its owner, or after WEBHOOK_FAILURES_TO_DISABLE failures in a row) */
                        active: boolean;
                        disabled_reason: string | null;
                        /** @description Failed delivery attempts in a row */
                        consecutive_failures: number;
                        /** @description After a rotation: until then the old secret signs too */
                        previous_secret_until: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /** Format: date-time */
                        updated_at: string;
                        /** @description The signing secret (whsec_…): shown when made and when rotated, never again */
                        secret?: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** Format: uri */
                        url: string;
                        events: ("image.created" | "image.replaced" | "image.updated" | "image.deleted" | "image.trashed" | "image.restored" | "album.created" | "album.updated" | "album.deleted" | "share.created" | "share.revoked" | "share.viewed" | "quota.warning" | "ping")[];
                        description: string | null;
                        /** @description false once disabled (by its owner, or after WEBHOOK_FAILURES_TO_DISABLE failures in a row) */
                        active: boolean;
                        disabled_reason: string | null;
                        /** @description Failed delivery attempts in a row */
                        consecutive_failures: number;
                        /** @description After a rotation: until then the old secret signs too */
                        previous_secret_until: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /** Format: date-time */
                        updated_at: string;
                        /** @description The signing secret (whsec_…): shown when made and when rotated, never again */
                        secret?: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updateWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    url?: string;
                    events?: ("image.created" | "image.replaced" | "image.updated" | "image.deleted" | "image.trashed" | "image.restored" | "album.created" | "album.updated" | "album.deleted" | "share.created" | "share.revoked" | "share.viewed" | "quota.warning" | "ping")[];
                    description?: string | null;
                    /** @description true enables a disabled hook again; false disables it */
                    active?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** Format: uri */
                        url: string;
                        events: ("image.created" | "image.replaced" | "image.updated" | "image.deleted" | "image.trashed" | "image.restored" | "album.created" | "album.updated" | "album.deleted" | "share.created" | "share.revoked" | "share.viewed" | "quota.warning" | "ping")[];
                        description: string | null;
                        /** @description false once disabled (by its owner, or after WEBHOOK_FAILURES_TO_DISABLE failures in a row) */
                        active: boolean;
                        disabled_reason: string | null;
                        /** @description Failed delivery attempts in a row */
                        consecutive_failures: number;
                        /** @description After a rotation: until then the old secret signs too */
                        previous_secret_until: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /** Format: date-time */
                        updated_at: string;
                        /** @description The signing secret (whsec_…): shown when made and when rotated, never again */
                        secret?: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    pingWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        event_id: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** Format: uri */
                        url: string;
                        events: ("image.created" | "image.replaced" | "image.updated" | "image.deleted" | "image.trashed" | "image.restored" | "album.created" | "album.updated" | "album.deleted" | "share.created" | "share.revoked" | "share.viewed" | "quota.warning" | "ping")[];
                        description: string | null;
                        /** @description false once disabled (by its owner, or after WEBHOOK_FAILURES_TO_DISABLE failures in a row) */
                        active: boolean;
                        disabled_reason: string | null;
                        /** @description Failed delivery attempts in a row */
                        consecutive_failures: number;
                        /** @description After a rotation: until then the old secret signs too */
                        previous_secret_until: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /** Format: date-time */
                        updated_at: string;
                        /** @description The signing secret (whsec_…): shown when made and when rotated, never again */
                        secret?: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description The attempt */
                        id: number;
                        /** @description The delivery it belongs to (POST …/deliveries/<delivery_id>/redeliver) */
                        delivery_id: number;
                        /** @description Also the webhook-id header */
                        event_id: string;
                        event_type: string;
                        /** @description 1 for the first try of a delivery */
                        attempt: number;
                        /** Format: date-time */
                        attempted_at: string;
                        /** @description The receiver's answer; null when none came */
                        status_code: number | null;
                        duration_ms: number | null;
                        /** @description Why the attempt failed (never the receiver's body) */
                        error: string | null;
                        /**
                         * @description pending: another attempt is due at next_attempt_at
                         * @enum {unknown}
                         */
                        delivery_status: "pending" | "delivered" | "failed";
                        next_attempt_at: string | null;
                    }[];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    redeliverWebhookEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
                /** @description A positive integer */
                deliveryId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        delivery_id: number;
                        event_id: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listAlbums: {
        parameters: {
            query: {
                limit: number;
                /** @description From the Link header of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Per-user id, from 1, never reused */
                        id: number;
                        title: string;
                        description: string | null;
                        /** @description Images in the album, not counting those in the trash */
                        image_count: number;
                        /** @description A signed link to the first image's thumbnail (null for an empty album) */
                        cover: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /**
                         * Format: date-time
                         * @description Last change of its title, description or images
                         */
                        updated_at: string;
                    }[];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createAlbum: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    title: string;
                    description?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Per-user id, from 1, never reused */
                        id: number;
                        title: string;
                        description: string | null;
                        /** @description Images in the album, not counting those in the trash */
                        image_count: number;
                        /** @description A signed link to the first image's thumbnail (null for an empty album) */
                        cover: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /**
                         * Format: date-time
                         * @description Last change of its title, description or images
                         */
                        updated_at: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAlbum: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Per-user id, from 1, never reused */
                        id: number;
                        title: string;
                        description: string | null;
                        /** @description Images in the album, not counting those in the trash */
                        image_count: number;
                        /** @description A signed link to the first image's thumbnail (null for an empty album) */
                        cover: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /**
                         * Format: date-time
                         * @description Last change of its title, description or images
                         */
                        updated_at: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteAlbum: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updateAlbum: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    title?: string;
                    description?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Per-user id, from 1, never reused */
                        id: number;
                        title: string;
                        description: string | null;
                        /** @description Images in the album, not counting those in the trash */
                        image_count: number;
                        /** @description A signed link to the first image's thumbnail (null for an empty album) */
                        cover: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /**
                         * Format: date-time
                         * @description Last change of its title, description or images
                         */
                        updated_at: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listAlbumImages: {
        parameters: {
            query: {
                limit: number;
                /** @description From the Link header of the previous page */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"][];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    setAlbumImages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Image ids */
                    ids: number[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Per-user id, from 1, never reused */
                        id: number;
                        title: string;
                        description: string | null;
                        /** @description Images in the album, not counting those in the trash */
                        image_count: number;
                        /** @description A signed link to the first image's thumbnail (null for an empty album) */
                        cover: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /**
                         * Format: date-time
                         * @description Last change of its title, description or images
                         */
                        updated_at: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    addAlbumImages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Image ids */
                    ids: number[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Per-user id, from 1, never reused */
                        id: number;
                        title: string;
                        description: string | null;
                        /** @description Images in the album, not counting those in the trash */
                        image_count: number;
                        /** @description A signed link to the first image's thumbnail (null for an empty album) */
                        cover: string | null;
                        /** Format: date-time */
                        created_at: string;
                        /**
                         * Format: date-time
                         * @description Last change of its title, description or images
                         */
                        updated_at: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    removeAlbumImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
                /** @description A positive integer */
                imageId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listPresets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        name: string;
                        /** @description The parameters in their canonical order (what links and signatures carry) */
                        params: string;
                        /** Format: date-time */
                        created_at: string;
                        /** Format: date-time */
                        updated_at: string;
                    }[];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createPreset: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Used as ?preset=<name>, in image JSON variants and in share URLs */
                    name: string;
                    /**
                     * @description Variant parameters as a query string, e.g. w=400&h=300&fit=cover&position=attention&format=auto
                     * @example w=400&h=300&fit=cover&position=attention&format=auto
                     */
                    params: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        name: string;
                        /** @description The parameters in their canonical order (what links and signatures carry) */
                        params: string;
                        /** Format: date-time */
                        created_at: string;
                        /** Format: date-time */
                        updated_at: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getPreset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        name: string;
                        /** @description The parameters in their canonical order (what links and signatures carry) */
                        params: string;
                        /** Format: date-time */
                        created_at: string;
                        /** Format: date-time */
                        updated_at: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deletePreset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updatePreset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Used as ?preset=<name>, in image JSON variants and in share URLs */
                    name?: string;
                    /**
                     * @description Variant parameters as a query string, e.g. w=400&h=300&fit=cover&position=attention&format=auto
                     * @example w=400&h=300&fit=cover&position=attention&format=auto
                     */
                    params?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        name: string;
                        /** @description The parameters in their canonical order (what links and signatures carry) */
                        params: string;
                        /** Format: date-time */
                        created_at: string;
                        /** Format: date-time */
                        updated_at: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSignedMedia: {
        parameters: {
            query?: {
                /** @description Width (CSS pixels; multiplied by dpr) */
                w?: number;
                /** @description Height (CSS pixels; multiplied by dpr) */
                h?: number;
                /** @description Default inside */
                fit?: "cover" | "contain" | "inside" | "outside" | "fill";
                /** @description With fit=cover: what the crop keeps. center (default); a compass point keeps that side or corner; entropy the busiest region; attention the region most likely to draw the eye (costs more to render) */
                position?: "center" | "north" | "northeast" | "east" | "southeast" | "south" | "southwest" | "west" | "northwest" | "entropy" | "attention" | "focal";
                /** @description auto: AVIF, then WebP, then the original format, by Accept */
                format?: "jpeg" | "png" | "webp" | "gif" | "avif" | "auto";
                /** @description Quality */
                q?: number;
                /** @description Device pixel ratio */
                dpr?: number;
                /** @description Allow output larger than the original */
                enlarge?: boolean;
                /** @description x,y,w,h: the rectangle to keep, in pixels of the upright original, before resizing; inside the image */
                crop?: string;
                /** @description Clockwise, after crop */
                rotate?: 0 | 90 | 180 | 270;
                /** @description Mirror after rotate: h left-right, v top-bottom, hv both */
                flip?: "h" | "v" | "hv";
                /** @description Remove a uniform border: how far (0–255 per channel) a pixel may differ from the top-left one. Still images only */
                trim?: number;
                /** @description Gaussian blur sigma in output pixels; sigma × output megapixels ≤ 400 */
                blur?: number;
                /** @description Sharpen sigma in output pixels */
                sharpen?: number;
                /** @description Shades of grey */
                grayscale?: boolean;
                /** @description Pixels added on every side after resizing (CSS pixels; multiplied by dpr) */
                pad?: number;
                /** @description rrggbb or rrggbbaa: fills the pad and fit=contain letterbox, and is flattened under transparency (always when opaque, and for JPEG). Default: transparent, black in JPEG */
                background?: string;
                /** @description One of the owner's own presets (the links of `variants` carry it) */
                preset?: string;
                exp?: string;
                sig?: string;
            };
            header?: never;
            path: {
                userId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image bytes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": string;
                };
            };
            /** @description The image bytes */
            206: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": string;
                };
            };
            /** @description No content */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            416: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listShares: {
        parameters: {
            query?: {
                image?: number;
                album?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @description The public link: given once, when the share is made (only a hash of its token is kept) */
                        url: string | null;
                        image: number | null;
                        album: number | null;
                        label: string | null;
                        expires_at: string | null;
                        has_password: boolean;
                        max_views: number | null;
                        /** @description Page and JSON views (byte requests are not counted) */
                        views: number;
                        last_viewed_at: string | null;
                        /** @description Variant presets that may be fetched; null: all */
                        presets: string[] | null;
                        allow_original: boolean;
                        allow_download: boolean;
                        /** @description Search engines may index the page (otherwise X-Robots-Tag: noindex) */
                        indexable: boolean;
                        /** @description The page and its JSON carry the images' EXIF summary (camera, lens, exposure, time) */
                        show_exif: boolean;
                        /** @description With show_exif: the location too, where the deployment keeps it */
                        show_location: boolean;
                        /** Format: date-time */
                        created_at: string;
                        /** @description Ready-made snippets for the first image (given once, with the url) */
                        embed?: {
                            html: string;
                            markdown: string;
                            bbcode: string;
                        };
                    }[];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createShare: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    image?: number;
                    album?: number;
                    label?: string | null;
                    expires_at?: string | null;
                    /** @description 8 to 128 characters; null removes it */
                    password?: string | null;
                    max_views?: number | null;
                    presets?: string[] | null;
                    allow_original?: boolean;
                    allow_download?: boolean;
                    indexable?: boolean;
                    show_exif?: boolean;
                    show_location?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @description The public link: given once, when the share is made (only a hash of its token is kept) */
                        url: string | null;
                        image: number | null;
                        album: number | null;
                        label: string | null;
                        expires_at: string | null;
                        has_password: boolean;
                        max_views: number | null;
                        /** @description Page and JSON views (byte requests are not counted) */
                        views: number;
                        last_viewed_at: string | null;
                        /** @description Variant presets that may be fetched; null: all */
                        presets: string[] | null;
                        allow_original: boolean;
                        allow_download: boolean;
                        /** @description Search engines may index the page (otherwise X-Robots-Tag: noindex) */
                        indexable: boolean;
                        /** @description The page and its JSON carry the images' EXIF summary (camera, lens, exposure, time) */
                        show_exif: boolean;
                        /** @description With show_exif: the location too, where the deployment keeps it */
                        show_location: boolean;
                        /** Format: date-time */
                        created_at: string;
                        /** @description Ready-made snippets for the first image (given once, with the url) */
                        embed?: {
                            html: string;
                            markdown: string;
                            bbcode: string;
                        };
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getShare: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @description The public link: given once, when the share is made (only a hash of its token is kept) */
                        url: string | null;
                        image: number | null;
                        album: number | null;
                        label: string | null;
                        expires_at: string | null;
                        has_password: boolean;
                        max_views: number | null;
                        /** @description Page and JSON views (byte requests are not counted) */
                        views: number;
                        last_viewed_at: string | null;
                        /** @description Variant presets that may be fetched; null: all */
                        presets: string[] | null;
                        allow_original: boolean;
                        allow_download: boolean;
                        /** @description Search engines may index the page (otherwise X-Robots-Tag: noindex) */
                        indexable: boolean;
                        /** @description The page and its JSON carry the images' EXIF summary (camera, lens, exposure, time) */
                        show_exif: boolean;
                        /** @description With show_exif: the location too, where the deployment keeps it */
                        show_location: boolean;
                        /** Format: date-time */
                        created_at: string;
                        /** @description Ready-made snippets for the first image (given once, with the url) */
                        embed?: {
                            html: string;
                            markdown: string;
                            bbcode: string;
                        };
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    revokeShare: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updateShare: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    label?: string | null;
                    expires_at?: string | null;
                    /** @description 8 to 128 characters; null removes it */
                    password?: string | null;
                    max_views?: number | null;
                    presets?: string[] | null;
                    allow_original?: boolean;
                    allow_download?: boolean;
                    indexable?: boolean;
                    show_exif?: boolean;
                    show_location?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @description The public link: given once, when the share is made (only a hash of its token is kept) */
                        url: string | null;
                        image: number | null;
                        album: number | null;
                        label: string | null;
                        expires_at: string | null;
                        has_password: boolean;
                        max_views: number | null;
                        /** @description Page and JSON views (byte requests are not counted) */
                        views: number;
                        last_viewed_at: string | null;
                        /** @description Variant presets that may be fetched; null: all */
                        presets: string[] | null;
                        allow_original: boolean;
                        allow_download: boolean;
                        /** @description Search engines may index the page (otherwise X-Robots-Tag: noindex) */
                        indexable: boolean;
                        /** @description The page and its JSON carry the images' EXIF summary (camera, lens, exposure, time) */
                        show_exif: boolean;
                        /** @description With show_exif: the location too, where the deployment keeps it */
                        show_location: boolean;
                        /** Format: date-time */
                        created_at: string;
                        /** @description Ready-made snippets for the first image (given once, with the url) */
                        embed?: {
                            html: string;
                            markdown: string;
                            bbcode: string;
                        };
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    viewShare: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        title: string | null;
                        images: {
                            id: number;
                            title: string | null;
                            width: number;
                            height: number;
                            placeholder: string;
                            dominant_color: string;
                            original: {
                                /**
                                 * Format: uri
                                 * @description Always the current content; cached briefly
                                 */
                                stable: string;
                                /**
                                 * Format: uri
                                 * @description This content only (404 after a replace); cached for long
                                 */
                                immutable: string;
                            } | null;
                            /** @description The original as a file to save (Content-Disposition: attachment), where the share allows it */
                            download: string | null;
                            variants: {
                                [key: string]: {
                                    /**
                                     * Format: uri
                                     * @description Always the current content; cached briefly
                                     */
                                    stable: string;
                                    /**
                                     * Format: uri
                                     * @description This content only (404 after a replace); cached for long
                                     */
                                    immutable: string;
                                };
                            };
                            /** @description A safe summary of the photo's EXIF (never serial numbers; the location only where the deployment enables it) */
                            exif?: {
                                camera?: string;
                                lens?: string;
                                /** @description Local time as the camera recorded it, without zone */
                                taken_at?: string;
                                exposure?: string;
                                location?: {
                                    latitude: number;
                                    longitude: number;
                                };
                            } | null;
                        }[];
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    unlockShare: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": {
                    password: string;
                };
            };
        };
        responses: {
            /** @description No content */
            303: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSharedOriginal: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image bytes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": string;
                };
            };
            /** @description The image bytes */
            206: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": string;
                };
            };
            /** @description No content */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            416: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSharedVariant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
                id: string;
                variant: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image bytes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": string;
                };
            };
            /** @description The image bytes */
            206: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": string;
                };
            };
            /** @description No content */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            416: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSharedImmutable: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
                id: string;
                variant: string;
                file: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image bytes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": string;
                };
            };
            /** @description The image bytes */
            206: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/*": string;
                };
            };
            /** @description No content */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            416: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Your current password */
                    password: string;
                };
                "application/x-www-form-urlencoded": {
                    /** @description Your current password */
                    password: string;
                };
            };
        };
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    changePassword: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    old_password: string;
                    new_password: string;
                };
                "application/x-www-form-urlencoded": {
                    old_password: string;
                    new_password: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Token"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    revokeLinks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminListUsers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminUser"][];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminDisableUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                username: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminUser"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminEnableUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                username: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminUser"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminRevokeToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                username: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminUser"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminDeleteUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                username: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminListKeys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                username: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        scopes: ("images:read" | "images:write" | "images:delete" | "shares" | "keys" | "account" | "webhooks" | "admin")[];
                        /** @description The first characters of the key, to recognise it */
                        prefix: string;
                        /** Format: date-time */
                        created_at: string;
                        expires_at: string | null;
                        /** @description Updated at most once a minute */
                        last_used_at: string | null;
                        /** @description The client address of that use */
                        last_used_from: string | null;
                    }[];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminRevokeKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                username: string;
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        scopes: ("images:read" | "images:write" | "images:delete" | "shares" | "keys" | "account" | "webhooks" | "admin")[];
                        /** @description The first characters of the key, to recognise it */
                        prefix: string;
                        /** Format: date-time */
                        created_at: string;
                        expires_at: string | null;
                        /** @description Updated at most once a minute */
                        last_used_at: string | null;
                        /** @description The client address of that use */
                        last_used_from: string | null;
                    }[];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description What the key is for (shown in the list) */
                    name: string;
                    scopes: ("images:read" | "images:write" | "images:delete" | "shares" | "keys" | "account" | "webhooks" | "admin")[];
                    /** @description When the key stops working (none: never) */
                    expires_at?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        scopes: ("images:read" | "images:write" | "images:delete" | "shares" | "keys" | "account" | "webhooks" | "admin")[];
                        /** @description The first characters of the key, to recognise it */
                        prefix: string;
                        /** Format: date-time */
                        created_at: string;
                        expires_at: string | null;
                        /** @description Updated at most once a minute */
                        last_used_at: string | null;
                        /** @description The client address of that use */
                        last_used_from: string | null;
                        /** @description The secret, shown this once: send it as `Authorization: Bearer <key>` */
                        key: string;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        scopes: ("images:read" | "images:write" | "images:delete" | "shares" | "keys" | "account" | "webhooks" | "admin")[];
                        /** @description The first characters of the key, to recognise it */
                        prefix: string;
                        /** Format: date-time */
                        created_at: string;
                        expires_at: string | null;
                        /** @description Updated at most once a minute */
                        last_used_at: string | null;
                        /** @description The client address of that use */
                        last_used_from: string | null;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    revokeKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updateKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A positive integer */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    /** @description Only a narrower set: a key never gains a scope */
                    scopes?: ("images:read" | "images:write" | "images:delete" | "shares" | "keys" | "account" | "webhooks" | "admin")[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        scopes: ("images:read" | "images:write" | "images:delete" | "shares" | "keys" | "account" | "webhooks" | "admin")[];
                        /** @description The first characters of the key, to recognise it */
                        prefix: string;
                        /** Format: date-time */
                        created_at: string;
                        expires_at: string | null;
                        /** @description Updated at most once a minute */
                        last_used_at: string | null;
                        /** @description The client address of that use */
                        last_used_from: string | null;
                    };
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description DRF-style error: {"detail": "..."} or {"<field>": ["message", ...]} */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApiRoot: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
        };
    };
}
