/** negElbo -> neg_elbo: metric keys as metrics.jsonl and JSON output name them. */
export const snakeCase = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
