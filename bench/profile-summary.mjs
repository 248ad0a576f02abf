// @ts-check
// Summarises V8 CPU profiles (`node --cpu-prof`): self time by function, and by package
// (our code, each dependency, node internals, idle and GC), so the top costs can be named.
// `node bench/profile-summary.mjs <file.cpuprofile>…`
import fs from 'node:fs';
import path from 'node:path';

export function summarise(file, top = 15) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map();
  const owners = new Map();
  for (const [id, us] of self) {
    const { callFrame: f } = byId.get(id);
    const owner = ownerOf(f.url, f.functionName);
    const name = `${f.functionName || '(anonymous)'} ${f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
    fns.set(name, (fns.get(name) ?? 0) + us);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
  }
  const pct = (us) => Math.round((us / total) * 1000) / 10;
  const sorted = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, percent: pct(us), ms: Math.round(us / 1000) }));
  return {
    file: path.basename(file),
    seconds: Math.round(total / 1e5) / 10,
    byOwner: sorted(owners),
    byFunction: sorted(fns),
  };
}

function shortUrl(url) {
  const i = url.lastIndexOf('node_modules/');
  if (i >= 0) return url.slice(i + 'node_modules/'.length);
  const s = url.indexOf('/services/') >= 0 ? url.indexOf('/services/') : url.indexOf('/packages/');
  return s >= 0 ? url.slice(s + 1) : url.replace(/^file:\/\//, '');
}

function ownerOf(url, fn) {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const i = url.lastIndexOf('node_modules/');
  if (i >= 0) {
    const rest = url.slice(i + 'node_modules/'.length).split('/');
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return name.startsWith('@orderpulse/') ? `ours (${name})` : name;
  }
  if (url.startsWith('node:')) return 'node internals';
  if (/\/(services|packages)\//.test(url)) return `ours (${url.match(/\/(services|packages)\/([^/]+)/)[2]})`;
  return url;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  for (const file of process.argv.slice(2)) {
    const s = summarise(file);
    process.stdout.write(`\n${s.file} (${s.seconds} s sampled)\n  by owner:\n`);
    for (const o of s.byOwner) process.stdout.write(`    ${String(o.percent).padStart(5)} %  ${o.name}\n`);
    process.stdout.write('  by function (self time):\n');
    for (const f of s.byFunction) process.stdout.write(`    ${String(f.percent).padStart(5)} %  ${f.name}\n`);
  }
}
