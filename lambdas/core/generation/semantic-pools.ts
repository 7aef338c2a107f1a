/**
 * Realistic values from @faker-js/faker, drawn once into pools and then sampled by index. Faker
 * costs about 4.3 µs per e-mail: a pool of a few thousand values costs milliseconds, while a
 * call per value would cost seconds per million rows. Pools are seeded from the generation seed,
 * so the same seed gives the same pool (with the same faker version), and cached per process.
 *
 * Unique values: kinds with a structure (e-mail, user name, name, uuid, ip, phone, ssn) map a
 * row's permuted index to a value through a mixed radix over component pools, so they are
 * distinct by construction and their capacity is known before anything is written; other kinds
 * are limited to the distinct values of their pool.
 */
import { Faker, base, en } from '@faker-js/faker';
import type { GENERATOR_KINDS } from '../contracts/contract-schema';
import { hashText } from './cell-random';

export type SemanticKind = Exclude<(typeof GENERATOR_KINDS)[number], 'sequence' | 'anomaly_label'>;

/** Values drawn per pool: enough variety for realistic data, a few milliseconds of faker time. */
export const POOL_SIZE = 2000;

const SSN_AREAS = 665; // 001-665 (666 and 900-999 are never issued)

function fakerFor(seed: number, kind: string): Faker {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(hashText(kind, seed));
  return faker;
}

const DRAW: Record<SemanticKind, (f: Faker) => string> = {
  email: (f) => f.internet.email().toLowerCase(),
  name: (f) => f.person.fullName(),
  first_name: (f) => f.person.firstName(),
  last_name: (f) => f.person.lastName(),
  user_name: (f) => f.internet.username().toLowerCase(),
  address: (f) =>
    `${f.location.streetAddress()}, ${f.location.city()}, ${f.location.state({ abbreviated: true })} ${f.location.zipCode('#####')}`,
  street_address: (f) => f.location.streetAddress(),
  city: (f) => f.location.city(),
  state: (f) => f.location.state(),
  zip_code: (f) => f.location.zipCode('#####'),
  country: (f) => f.location.country(),
  country_code: (f) => f.location.countryCode('alpha-2'),
  phone: (f) => f.phone.number({ style: 'national' }),
  uuid: (f) => f.string.uuid(),
  company: (f) => f.company.name(),
  job_title: (f) => f.person.jobTitle(),
  url: (f) => f.internet.url({ appendSlash: false }),
  domain: (f) => f.internet.domainName(),
  ip: (f) => f.internet.ipv4(),
  ipv6: (f) => f.internet.ipv6(),
  iban: (f) => f.finance.iban(),
  ssn: (f) =>
    `${String(f.number.int({ min: 1, max: SSN_AREAS })).padStart(3, '0')}-${String(f.number.int({ min: 1, max: 99 })).padStart(2, '0')}-${String(f.number.int({ min: 1, max: 9999 })).padStart(4, '0')}`,
  currency_code: (f) => f.finance.currencyCode(),
  word: (f) => f.lorem.word(),
  sentence: (f) => f.lorem.sentence(),
};

export const SEMANTIC_KINDS = Object.keys(DRAW) as SemanticKind[];

const cache = new Map<string, readonly string[]>();

/** Distinct values of a kind, drawn with faker once per (kind, seed, size) and cached. */
export function semanticPool(kind: SemanticKind, seed: number, size = POOL_SIZE): readonly string[] {
  const key = `${kind}#${seed}#${size}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const faker = fakerFor(seed, kind);
  const seen = new Set<string>();
  const draw = DRAW[kind];
  // Some kinds have few distinct values (country codes): stop when draws stop adding any.
  let misses = 0;
  while (seen.size < size && misses < size) {
    const before = seen.size;
    seen.add(draw(faker));
    misses = seen.size === before ? misses + 1 : 0;
  }
  const pool = [...seen];
  if (cache.size > 256) cache.clear();
  cache.set(key, pool);
  return pool;
}

/** Splits i into digits of the given radixes (least significant last). */
function digits(i: number, radixes: readonly number[]): number[] {
  const out = new Array<number>(radixes.length);
  let rest = i;
  for (let k = radixes.length - 1; k >= 0; k--) {
    out[k] = rest % radixes[k]!;
    rest = Math.floor(rest / radixes[k]!);
  }
  return out;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

function letters(text: string): string {
  return text.toLowerCase().replace(/[^a-z]/g, '');
}

/** A generator of distinct values by index: value(i) differs for every i below capacity. */
export interface IndexedValues {
  readonly capacity: number;
  value(i: number): string;
}

/**
 * Distinct values of a kind by index. Structured kinds combine component pools (capacity in the
 * millions or more); the rest enumerate their pool.
 */
export function indexedSemantic(
  kind: SemanticKind,
  seed: number,
  mix: (i: number, k: number) => number,
): IndexedValues {
  switch (kind) {
    case 'email':
    case 'user_name': {
      const first = [...new Set(semanticPool('first_name', seed).map(letters).filter(Boolean))];
      const last = [...new Set(semanticPool('last_name', seed).map(letters).filter(Boolean))];
      const domains =
        kind === 'email'
          ? ['example.com', 'example.org', 'example.net', 'mail.example', 'test.example']
          : [''];
      const radixes = [first.length, last.length, domains.length];
      const block = first.length * last.length * domains.length;
      return {
        capacity: 2 ** 52,
        value(i) {
          const [f, l, d] = digits(i % block, radixes);
          const n = Math.floor(i / block);
          const user = `${first[f!]}.${last[l!]}${n === 0 ? '' : n}`;
          return kind === 'email' ? `${user}@${domains[d!]}` : user.replace('.', '_');
        },
      };
    }
    case 'name': {
      const first = [...new Set(semanticPool('first_name', seed).filter((s) => !s.includes(' ')))];
      const last = [...new Set(semanticPool('last_name', seed).filter((s) => !s.includes(' ')))];
      return {
        capacity: first.length * last.length,
        value(i) {
          const [f, l] = digits(i, [first.length, last.length]);
          return `${first[f!]} ${last[l!]}`;
        },
      };
    }
    case 'uuid':
      return {
        capacity: 2 ** 52,
        value(i) {
          // 52 bits of the index (13 hex digits) make it distinct; the rest is keyed noise.
          const hi = Math.floor(i / 2 ** 20);
          const lo = i % 2 ** 20;
          const a = mix(i, 1);
          const b = mix(i, 2);
          return `${hex(hi, 8)}-${hex(lo >>> 4, 4)}-4${hex(lo & 0xf, 1)}${hex(a & 0xff, 2)}-${hex(8 | ((a >>> 8) & 3), 1)}${hex((a >>> 10) & 0xfff, 3)}-${hex(b, 8)}${hex(a >>> 22, 4).slice(-4)}`;
        },
      };
    case 'ip':
      return {
        capacity: 2 ** 24,
        value: (i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`,
      };
    case 'phone':
      return {
        capacity: 8 * 10 ** 9,
        value(i) {
          const area = 200 + (Math.floor(i / 10 ** 7) % 800);
          const rest = String(i % 10 ** 7).padStart(7, '0');
          return `(${area}) ${rest.slice(0, 3)}-${rest.slice(3)}`;
        },
      };
    case 'ssn':
      return {
        capacity: SSN_AREAS * 99 * 9999,
        value(i) {
          const [a, g, s] = digits(i, [SSN_AREAS, 99, 9999]);
          return `${String(a! + 1).padStart(3, '0')}-${String(g! + 1).padStart(2, '0')}-${String(s! + 1).padStart(4, '0')}`;
        },
      };
    default: {
      const pool = semanticPool(kind, seed);
      return { capacity: pool.length, value: (i) => pool[i]! };
    }
  }
}

/** Column names that say what they hold; used when a string column has no `kind` hint. */
const NAME_HINTS: readonly [RegExp, SemanticKind][] = [
  [/(^|_)e_?mail(_address)?$/, 'email'],
  [/(^|_)(user_?name|login|handle)$/, 'user_name'],
  [/(^|_)first_?name$/, 'first_name'],
  [/(^|_)(last_?name|surname|family_name)$/, 'last_name'],
  [/(^|_)(full_?name|customer_name|person_name|contact_name|^name)$/, 'name'],
  [/(^|_)(street|street_address|address_line_?1?)$/, 'street_address'],
  [/(^|_)(address|home_address|billing_address|shipping_address)$/, 'address'],
  [/(^|_)city$/, 'city'],
  [/(^|_)state$/, 'state'],
  [/(^|_)(zip|zip_?code|postal_?code|postcode)$/, 'zip_code'],
  [/(^|_)country_?code$/, 'country_code'],
  [/(^|_)country$/, 'country'],
  [/(^|_)(phone|phone_?number|mobile|telephone|msisdn)$/, 'phone'],
  [/(^|_)(uuid|guid)$/, 'uuid'],
  [/(^|_)(company|company_name|employer|organization)$/, 'company'],
  [/(^|_)(job_?title|title|position)$/, 'job_title'],
  [/(^|_)(url|website|homepage|link)$/, 'url'],
  [/(^|_)domain$/, 'domain'],
  [/(^|_)(ip|ip_?address|ipv4|client_ip|remote_addr)$/, 'ip'],
  [/(^|_)ipv6$/, 'ipv6'],
  [/(^|_)iban$/, 'iban'],
  [/(^|_)(ssn|social_security_number)$/, 'ssn'],
  [/(^|_)currency(_code)?$/, 'currency_code'],
];

/** The semantic kind a column name suggests, if any. */
export function kindFromName(column: string): SemanticKind | undefined {
  const name = column.toLowerCase();
  return NAME_HINTS.find(([re]) => re.test(name))?.[1];
}
