/** Milliseconds since the epoch. Services take one so that tests can move time (expiry, retention). */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
