// Runs calls of the third-party `kling-api` SDK (npm, 1.0.0) against the studio, configured only with a
// base URL and an access key / secret key pair. Usage: node run_sdk.mjs '<json list of [method, ...args]>'
// Prints one JSON array: {ok: <the SDK's return value>} or {error: {name, message, code, status}} per call.
import { KlingAPI } from 'kling-api';

const api = new KlingAPI({
  baseUrl: process.env.STUDIO_KLING_BASE_URL,
  accessKey: process.env.STUDIO_KLING_ACCESS_KEY,
  secretKey: process.env.STUDIO_KLING_SECRET_KEY,
});

const results = [];
for (const [method, ...args] of JSON.parse(process.argv[2])) {
  try {
    // The waiters take a query function: the test names it.
    const waiter = method === 'waitForVideoResult' || method === 'waitForImageResult';
    const fn = waiter ? (id, query, options) => api[method](id, api[query].bind(api), options) : api[method].bind(api);
    results.push({ ok: (await fn(...args)) ?? null });
  } catch (error) {
    results.push({ error: { name: error.name, message: error.message, code: error.code ?? null, status: error.httpStatus ?? null } });
  }
}
process.stdout.write(JSON.stringify(results));
