// The resumable-upload client, bundled apart and imported on first use (see uploader.ts).
export { Upload } from 'tus-js-client';
