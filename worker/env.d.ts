// Secrets are not in wrangler.toml, so `wrangler types` cannot see them. Set them with
// `wrangler secret put` in production; `npm start` passes development values.
declare namespace Cloudflare {
  interface Env {
    POOL_SECRET?: string;
    /** Guards /admin/*; without it the admin API is off. */
    ADMIN_TOKEN?: string;
  }
}
