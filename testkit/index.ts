// What tests and benchmarks share: servers, users, uploads, backends, fixtures, figures.
export * from './backends.js';
export * from './fixtures.js';
export * from './http.js';
export * from './server.js';
export * from './stats.js';
export * from './nginx.js';
export * from './images.js';
export * from './avif.js';
export * from './rows.js';
export * from './remembered.js';
