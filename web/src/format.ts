const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 349815 -> "341.6 KiB": binary units, the ones the README, the API docs and the CLI use for limits and sizes. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** EXIF times carry no zone: show them as recorded. */
export function formatLocalTime(recorded: string): string {
  return recorded.replace('T', ' ');
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
