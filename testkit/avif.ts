/**
 * Builds still AVIF files holding several top-level items (a primary image plus others, as cameras
 * write thumbnails, bursts or gain maps), which no encoder in reach here produces: the boxes of two
 * single-item AVIFs written by sharp are merged, the second file's item becoming item 2 with its own
 * properties and data. Only the layout sharp (libheif) writes is supported; anything else throws.
 */

interface Box {
  type: string;
  /** The whole box, header included. */
  bytes: Buffer;
}

function boxes(buffer: Buffer, start = 0, end = buffer.length): Box[] {
  const found: Box[] = [];
  for (let offset = start; offset < end;) {
    const size = buffer.readUInt32BE(offset);
    if (size < 8 || offset + size > end) throw new Error('unexpected box layout');
    found.push({ type: buffer.toString('latin1', offset + 4, offset + 8), bytes: buffer.subarray(offset, offset + size) });
    offset += size;
  }
  return found;
}

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(body.length + 8, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** A full box: version and flags, then the payload. */
function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE((version << 24) | flags, 0);
  return box(type, head, ...payload);
}

function child(parent: Box, type: string, headerBytes: number): Box {
  const found = boxes(parent.bytes, headerBytes).find((candidate) => candidate.type === type);
  if (!found) throw new Error(`no ${type} box`);
  return found;
}

interface SingleItem {
  ftyp: Buffer;
  hdlr: Buffer;
  /** The item's property boxes (av1C, ispe, pixi, ...), in ipco order. */
  properties: Buffer[];
  /** ipma associations: property index (1-based) and whether it is essential. */
  associations: { index: number; essential: boolean }[];
  /** The coded image. */
  data: Buffer;
}

function readSingleItem(file: Buffer): SingleItem {
  const top = boxes(file);
  const meta = top.find((candidate) => candidate.type === 'meta');
  const ftyp = top.find((candidate) => candidate.type === 'ftyp');
  if (!meta || !ftyp) throw new Error('not an AVIF written by sharp');
  const iloc = child(meta, 'iloc', 12).bytes;
  // iloc version 0, 4-byte offsets, lengths and base offset, one item with one extent.
  if (iloc[8] !== 0 || iloc[12] !== 0x44 || iloc[13] !== 0x40 || iloc.readUInt16BE(14) !== 1 || iloc.readUInt16BE(24) !== 1) {
    throw new Error('unexpected iloc layout');
  }
  const offset = iloc.readUInt32BE(20) + iloc.readUInt32BE(26);
  const length = iloc.readUInt32BE(30);
  const iprp = child(meta, 'iprp', 12);
  const ipco = child(iprp, 'ipco', 8);
  const ipma = child(iprp, 'ipma', 8).bytes;
  if (ipma[8] !== 0 || (ipma.readUInt32BE(8) & 1) !== 0 || ipma.readUInt32BE(12) !== 1) throw new Error('unexpected ipma layout');
  const count = ipma[18]!;
  const associations = Array.from({ length: count }, (_, i) => ({ index: ipma[19 + i]! & 0x7f, essential: (ipma[19 + i]! & 0x80) !== 0 }));
  return {
    ftyp: ftyp.bytes,
    hdlr: child(meta, 'hdlr', 12).bytes,
    properties: boxes(ipco.bytes, 8).map((property) => property.bytes),
    associations,
    data: file.subarray(offset, offset + length),
  };
}

/** An AVIF whose primary item is `primary`'s image, with `extra`'s image as a second top-level item. */
export function avifWithTwoItems(primary: Buffer, extra: Buffer): Buffer {
  const first = readSingleItem(primary);
  const second = readSingleItem(extra);
  const properties = [...first.properties, ...second.properties];
  const shift = first.properties.length;
  const items = [
    { id: 1, associations: first.associations, data: first.data },
    { id: 2, associations: second.associations.map((a) => ({ ...a, index: a.index + shift })), data: second.data },
  ];

  const infe = (id: number) => {
    const payload = Buffer.alloc(9);
    payload.writeUInt16BE(id, 0);
    payload.write('av01', 4, 'latin1');
    return fullBox('infe', 2, 0, payload);
  };
  const iinfCount = Buffer.alloc(2);
  iinfCount.writeUInt16BE(items.length, 0);
  const iinf = fullBox('iinf', 0, 0, iinfCount, ...items.map((item) => infe(item.id)));
  const pitm = fullBox('pitm', 0, 0, Buffer.from([0, 1]));
  const ipmaEntries = items.map((item) =>
    Buffer.from([
      item.id >> 8,
      item.id & 0xff,
      item.associations.length,
      ...item.associations.map((a) => (a.essential ? 0x80 : 0) | a.index),
    ]),
  );
  const ipmaCount = Buffer.alloc(4);
  ipmaCount.writeUInt32BE(items.length, 0);
  const iprp = box('iprp', box('ipco', ...properties), fullBox('ipma', 0, 0, ipmaCount, ...ipmaEntries));

  // iloc is written last: its offsets depend on where mdat starts, which depends on iloc's own size (fixed here).
  const ilocFor = (mdatDataStart: number) => {
    const head = Buffer.from([0x44, 0x40, 0, items.length]);
    let position = mdatDataStart;
    const entries = items.map((item) => {
      // item id, data reference 0, base offset, one extent at offset 0 of that length.
      const entry = Buffer.alloc(18);
      entry.writeUInt16BE(item.id, 0);
      entry.writeUInt32BE(position, 4);
      entry.writeUInt16BE(1, 8);
      entry.writeUInt32BE(item.data.length, 14);
      position += item.data.length;
      return entry;
    });
    return fullBox('iloc', 0, 0, head, ...entries);
  };
  const metaWith = (iloc: Buffer) => fullBox('meta', 0, 0, first.hdlr, iloc, iinf, pitm, iprp);
  const provisional = metaWith(ilocFor(0));
  const mdatDataStart = first.ftyp.length + provisional.length + 8;
  const meta = metaWith(ilocFor(mdatDataStart));
  return Buffer.concat([first.ftyp, meta, box('mdat', ...items.map((item) => item.data))]);
}
