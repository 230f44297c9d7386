/**
 * The token of a server reachable beyond this machine: `latentlab serve --host 0.0.0.0` makes a
 * random one and prints it in its address; without it every API call and the event stream get a
 * 401, with it a 200, while the page's own files stay public. A loopback server needs none unless
 * --token is given, and --token chooses the one required.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { DEFAULT_WEB_ROOT } from '../src/server/app.js';
import { isLoopback, TOKEN_MESSAGE, tokenMatches } from '../src/server/token.js';
import { cli, cliArgv, repoRoot, tempDir } from './helpers.js';

const runs = tempDir('token');
cpSync(join(repoRoot, 'test', 'fixtures', 'runs-v0.1', 'vae-mlp'), join(runs, 'vae-mlp'), { recursive: true });

interface Served {
  child: ChildProcess;
  /** http://127.0.0.1:PORT, whatever address was bound. */
  origin: string;
  printed: { url: string; runs: string; token: string | null };
}

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGTERM');
});

/** Starts `latentlab serve --json` with `args` on a free port and reads the address it prints. */
async function serve(...args: string[]): Promise<Served> {
  const child = spawn(process.execPath, cliArgv(['serve', '--runs', runs, '--port', '0', '--json', ...args]), {
    cwd: runs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${stderr}`)));
  });
  const printed = JSON.parse(line) as Served['printed'];
  const port = new URL(printed.url).port;
  return { child, origin: `http://127.0.0.1:${port}`, printed };
}

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(30000) });
  const type = res.headers.get('content-type') ?? '';
  if (type.startsWith('text/event-stream')) {
    // The stream stays open: its first event is enough.
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    return { status: res.status, type, body: new TextDecoder().decode(value) };
  }
  return { status: res.status, type, body: await res.text() };
}

const errorOf = (body: string): string => (JSON.parse(body) as { error: string }).error;

test('loopback is 127.0.0.0/8, ::1 and localhost; nothing else', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST'])
    assert.ok(isLoopback(h), `${h} is loopback`);
  for (const h of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', '128.0.0.1', 'example.com', ''])
    assert.ok(!isLoopback(h), `${h} is not loopback`);
});

test('the token comparison: the same token matches; another of the same length or of another length does not', () => {
  assert.ok(tokenMatches('abc-123', 'abc-123'));
  assert.ok(!tokenMatches('abc-124', 'abc-123'));
  assert.ok(!tokenMatches('abc-12', 'abc-123'));
  assert.ok(!tokenMatches('', 'abc-123'));
});

test('beyond loopback: 401 without the token, 200 with it, for the API and the event stream; the page stays public', async () => {
  const { origin, printed } = await serve('--host', '0.0.0.0');
  const token = printed.token;
  assert.ok(token && /^[\w-]{32}$/.test(token), `a random 32-character token: ${token}`);
  assert.ok(printed.url.endsWith(`/?token=${token}`), `the printed address carries the token: ${printed.url}`);

  const none = await get(`${origin}/api/runs`);
  assert.equal(none.status, 401, none.body);
  assert.equal(errorOf(none.body), TOKEN_MESSAGE);
  assert.match(TOKEN_MESSAGE, /open the URL it printed/);

  const bearer = await get(`${origin}/api/runs`, { authorization: `Bearer ${token}` });
  assert.equal(bearer.status, 200, bearer.body);
  assert.deepEqual(
    (JSON.parse(bearer.body) as { name: string }[]).map((r) => r.name),
    ['vae-mlp'],
  );
  assert.equal((await get(`${origin}/api/runs?token=${token}`)).status, 200);
  assert.equal((await get(`${origin}/api/runs/vae-mlp/files/config.json?token=${token}`)).status, 200);

  // Wrong tokens of the same length, as a header and as a query parameter.
  const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  assert.equal((await get(`${origin}/api/runs`, { authorization: `Bearer ${wrong}` })).status, 401);
  assert.equal((await get(`${origin}/api/runs?token=${wrong}`)).status, 401);
  assert.equal((await get(`${origin}/api/runs/vae-mlp`)).status, 401);
  assert.equal((await get(`${origin}/%61pi/runs`)).status, 401, 'an escaped path is the same path');
  const post = await fetch(`${origin}/api/train`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'x', model: 'vae-mlp', dataset: 'mnist', epochs: 1 }),
  });
  assert.equal(post.status, 401, 'no training starts without the token');

  const events = `${origin}/api/runs/vae-mlp/events`;
  const streamNone = await get(events);
  assert.equal(streamNone.status, 401, streamNone.body);
  assert.equal(errorOf(streamNone.body), TOKEN_MESSAGE);
  assert.equal((await get(`${events}?token=${wrong}`)).status, 401);
  const stream = await get(`${events}?token=${encodeURIComponent(token)}`);
  assert.equal(stream.status, 200);
  assert.match(stream.type, /^text\/event-stream/);
  assert.match(stream.body, /^event: reset/);
  assert.equal((await get(events, { authorization: `Bearer ${token}` })).status, 200);

  // The page and its files need no token: it reads the token from its own address.
  const page = await get(`${origin}/`);
  assert.equal(page.status, existsSync(join(DEFAULT_WEB_ROOT, 'index.html')) ? 200 : 503);
  if (page.status === 200) {
    const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(readFileSync(join(DEFAULT_WEB_ROOT, 'index.html'), 'utf8'));
    assert.ok(script, 'index.html names its script');
    assert.equal((await get(`${origin}/${script[1]}`)).status, 200);
  }
});

test('on loopback no token is needed unless --token gives one, and --token chooses the one required', async () => {
  const open = await serve('--host', '127.0.0.1');
  assert.equal(open.printed.token, null);
  assert.doesNotMatch(open.printed.url, /token/);
  assert.equal((await get(`${open.origin}/api/runs`)).status, 200);
  assert.equal((await get(`${open.origin}/api/runs/vae-mlp/events`)).status, 200);

  for (const host of ['0.0.0.0', '127.0.0.1']) {
    const chosen = await serve('--host', host, '--token', 'abc');
    assert.equal(chosen.printed.token, 'abc');
    assert.ok(chosen.printed.url.endsWith('/?token=abc'), chosen.printed.url);
    assert.equal((await get(`${chosen.origin}/api/runs`)).status, 401, host);
    assert.equal((await get(`${chosen.origin}/api/runs`, { authorization: 'Bearer abd' })).status, 401, host);
    assert.equal((await get(`${chosen.origin}/api/runs`, { authorization: 'Bearer abc' })).status, 200, host);
    assert.equal((await get(`${chosen.origin}/api/runs/vae-mlp/events?token=abc`)).status, 200, host);
  }

  const empty = cli(['serve', '--runs', runs, '--port', '0', '--token', '']);
  assert.notEqual(empty.status, 0);
  assert.match(empty.stderr, /expected a token of printable characters/);
});
