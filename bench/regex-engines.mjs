// Regex engines for contract patterns: RegExp (backtracking) against re2js (linear time), on
// 1M realistic values and on a backtracking-prone pattern. Figures in
// docs/decisions/0005-linear-time-regexes.md. Run from the repository root:
//   node bench/regex-engines.mjs
import { RE2JS } from 're2js';
const N = 1_000_000;
const vals = (f) => Array.from({ length: N }, (_, i) => f(i));
const sets = {
  'o-[0-9]+': vals((i) => (i % 10 === 0 ? `x-${i}` : `o-${i}`)),
  '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}': vals((i) =>
    i % 10 === 0 ? `user${i}.example.com` : `user.${i}@mail${i % 97}.example.com`,
  ),
};
function time(label, fn) {
  const t = process.hrtime.bigint();
  const r = fn();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  console.log(`${label}: ${ms.toFixed(0)} ms (${r} matched)`);
}
for (const [p, vs] of Object.entries(sets)) {
  const re = new RegExp(`^(?:${p})$`, 'u');
  const r2 = RE2JS.compile(p);
  time(`RegExp   ${p}`, () => {
    let n = 0;
    for (const v of vs) if (re.test(v)) n++;
    return n;
  });
  time(`re2js.matches ${p}`, () => {
    let n = 0;
    for (const v of vs) if (r2.matches(v)) n++;
    return n;
  });
  const r3 = RE2JS.compile(`^(?:${p})$`);
  time(`re2js.test anchored ${p}`, () => {
    let n = 0;
    for (const v of vs) if (r3.test(v)) n++;
    return n;
  });
}
const hostile = 'a'.repeat(34);
for (const n of [22, 24, 26, 28, 30]) {
  const re = /^(?:(a+)+b)$/u;
  const s = 'a'.repeat(n);
  time(`RegExp (a+)+b on ${n} a's`, () => re.test(s));
}
const h = RE2JS.compile('(a+)+b');
time(`re2js (a+)+b on 34 a's`, () => h.matches(hostile));
time(`re2js (a+)+b on 100000 a's`, () => h.matches('a'.repeat(100000)));
const h2 = RE2JS.compile('^(a|aa)+$');
time(`re2js ^(a|aa)+$ on 34 a's + b`, () => h2.test(hostile + 'b'));
