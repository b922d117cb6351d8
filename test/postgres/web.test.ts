// The same integration tests, on PostgreSQL + S3-compatible storage (s3rver) + Redis.
process.env.TEST_BACKEND = 'postgres';
await import('../web.test.js');
