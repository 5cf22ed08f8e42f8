/**
 * The web client's message catalogues (issue 15): English and French hold the same keys (plural
 * forms per each language's `Intl.PluralRules`) with the same placeholders; every key the code
 * names exists; every stable error code the server can send has a sentence in both; dates,
 * durations and plurals come out in the chosen language.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LANGUAGES = ['en', 'fr'] as const;
type Catalogue = { [key: string]: string | Catalogue };
const catalogues = Object.fromEntries(LANGUAGES.map((l) => [l, JSON.parse(fs.readFileSync(path.join(ROOT, `web/src/i18n/${l}.json`), 'utf8')) as Catalogue]));

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

function flatten(node: Catalogue, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(node)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}
const flat = Object.fromEntries(LANGUAGES.map((l) => [l, flatten(catalogues[l]!)])) as Record<(typeof LANGUAGES)[number], Map<string, string>>;
const baseKeys = (keys: Iterable<string>) => new Set([...keys].map((k) => k.replace(PLURAL_SUFFIX, '')));
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)[^}]*\}\}/g)].map((m) => m[1]!);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

describe('message catalogues', () => {
  test('English and French have the same keys', () => {
    const en = baseKeys(flat.en.keys());
    const fr = baseKeys(flat.fr.keys());
    assert.deepEqual([...en].filter((k) => !fr.has(k)), [], 'keys missing from fr.json');
    assert.deepEqual([...fr].filter((k) => !en.has(k)), [], 'keys missing from en.json');
  });

  test("each plural key has every plural form of its language, and nothing is both plural and plain", () => {
    for (const lng of LANGUAGES) {
      const keys = [...flat[lng].keys()];
      const categories = new Intl.PluralRules(lng).resolvedOptions().pluralCategories;
      const plurals = new Set(keys.filter((k) => PLURAL_SUFFIX.test(k)).map((k) => k.replace(PLURAL_SUFFIX, '')));
      for (const base of plurals) {
        for (const c of categories) assert.ok(flat[lng].has(`${base}_${c}`), `${lng}: ${base}_${c} is missing (${lng} plurals: ${categories.join(', ')})`);
        assert.ok(!flat[lng].has(base), `${lng}: ${base} is both plural and plain`);
      }
    }
  });

  test('a sentence has the same placeholders in both languages, and none is empty', () => {
    for (const base of baseKeys(flat.en.keys())) {
      const vars = (lng: (typeof LANGUAGES)[number]) =>
        new Set([...flat[lng].entries()].filter(([k]) => k === base || k.replace(PLURAL_SUFFIX, '') === base).flatMap(([, v]) => placeholders(v)));
      const en = vars('en');
      const fr = vars('fr');
      // `count` may be left out of a singular form ("L’apprenant inscrit…"): compare the others.
      const strip = (s: Set<string>) => [...s].filter((v) => v !== 'count').sort();
      assert.deepEqual(strip(fr), strip(en), `placeholders of ${base}`);
    }
    for (const lng of LANGUAGES) for (const [k, v] of flat[lng]) assert.ok(v.trim().length > 0, `${lng}: ${k} is empty`);
  });

  test('every key the web client names exists in the catalogues', () => {
    const namespaces = Object.keys(catalogues.en!);
    const files = sourceFiles(path.join(ROOT, 'web/src'));
    const used = new Map<string, string>();
    const prefixes = new Map<string, string>();
    const unknownCalls: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const rel = path.relative(ROOT, file);
      // Any quoted literal that looks like a key of a catalogue namespace ("slots.title").
      for (const m of text.matchAll(/['"`]([a-z][A-Za-z]*(?:\.[A-Za-z0-9_]+)+)['"`]/g)) {
        if (namespaces.includes(m[1]!.split('.')[0]!)) used.set(m[1]!, rel);
      }
      // Template keys (`app.languages.${l}`): their fixed part must be a group of the catalogue.
      for (const m of text.matchAll(/`([a-z][A-Za-z]*(?:\.[A-Za-z0-9_]+)*)\.\$\{/g)) {
        if (namespaces.includes(m[1]!.split('.')[0]!)) prefixes.set(m[1]!, rel);
      }
      // A t()/msg() call with a literal key outside every namespace is a typo.
      for (const m of text.matchAll(/\b(?:t|msg|i18n\.t)\(\s*'([^']+)'/g)) {
        if (!namespaces.includes(m[1]!.split('.')[0]!)) unknownCalls.push(`${rel}: ${m[1]}`);
      }
    }
    assert.ok(used.size > 300, `found ${used.size} keys in the code`);
    assert.deepEqual(unknownCalls, [], 'calls with a key outside the catalogue');
    for (const lng of LANGUAGES) {
      const missing = [...used].filter(([k]) => !flat[lng].has(k) && !flat[lng].has(`${k}_other`) && ![...flat[lng].keys()].some((x) => x.startsWith(`${k}.`)));
      assert.deepEqual(missing, [], `${lng}: keys used in the code but missing`);
      const missingGroups = [...prefixes].filter(([p]) => ![...flat[lng].keys()].some((x) => x.startsWith(`${p}.`)));
      assert.deepEqual(missingGroups, [], `${lng}: key groups used in the code but missing`);
    }
  });

  test('every error code the server sends has a translated sentence in both languages', () => {
    const codes = new Set<string>();
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/AppError\(\s*'[a-z_]+',\s*'([A-Z0-9_]+)'/g)) codes.add(m[1]!);
      // Codes written outside AppError: the HTTP shell's own (`code: 'RATE_LIMITED'`) and the signaling error frames.
      if (/src\/(http\/|app\.ts)/.test(file.replaceAll('\\', '/'))) for (const m of text.matchAll(/code: '([A-Z0-9_]+)'/g)) codes.add(m[1]!);
      if (file.endsWith('signaling.errors.ts')) {
        const block = /SignalingErrorCode = \{([\s\S]*?)\}/.exec(text)?.[1] ?? '';
        for (const m of block.matchAll(/'([A-Z0-9_]+)'/g)) codes.add(m[1]!);
      }
    }
    // The client's own: a request that never reached the server, Fastify's fallback.
    codes.add('NETWORK_ERROR');
    codes.add('BAD_REQUEST');
    for (const c of ['SLOT_FULL', 'DAILY_SESSION_LIMIT', 'RATE_LIMITED', 'SLOT_HAS_REGISTRATIONS', 'VALIDATION_ERROR', 'PEER_NOT_FOUND']) assert.ok(codes.has(c), `${c} found in the server`);
    assert.ok(codes.size > 80, `found ${codes.size} codes`);
    for (const lng of LANGUAGES) {
      const missing = [...codes].filter((c) => !flat[lng].has(`errors.${c}`)).sort();
      assert.deepEqual(missing, [], `${lng}: error codes without a sentence`);
    }
    assert.ok(flat.en.has('errors.generic') && flat.fr.has('errors.generic'), 'a generic fallback');
  });
});

describe('the i18n runtime (i18next) and Intl formatting', async () => {
  const { default: i18n } = await import('../../web/src/i18n/index.ts');
  const { errorMessage } = await import('../../web/src/i18n/errors.ts');
  const { translate } = await import('../../web/src/i18n/message.ts');
  const format = await import('../../web/src/format.ts');
  after(() => i18n.changeLanguage('en'));

  test('plurals follow each language (French 0 and 1 are singular)', async () => {
    await i18n.changeLanguage('en');
    assert.equal(i18n.t('history.participants', { count: 0 }), '0 participants');
    assert.equal(i18n.t('history.participants', { count: 1 }), '1 participant');
    await i18n.changeLanguage('fr');
    assert.equal(i18n.t('history.participants', { count: 0 }), '0 participant');
    assert.equal(i18n.t('history.participants', { count: 2 }), '2 participants');
    assert.equal(i18n.t('slots.seatsLeft', { count: 1, max: 8 }), '1 place libre sur 8');
    assert.equal(i18n.t('history.participants', { count: 1_000_000 }), '1000000 participants');
  });

  test('an error code reads as its sentence; an unknown one as the generic sentence with its code', async () => {
    await i18n.changeLanguage('fr');
    assert.equal(translate(errorMessage('SLOT_FULL')), 'Ce créneau est complet.');
    assert.equal(translate(errorMessage('SOMETHING_NEW')), 'Un problème est survenu (SOMETHING_NEW). Veuillez réessayer.');
    await i18n.changeLanguage('en');
    assert.equal(translate(errorMessage('DAILY_SESSION_LIMIT')), "You have reached today's limit of sessions on the free plan (10 a day).");
  });

  test('durations, dates, language and time-zone names come out in the chosen language', async () => {
    // Intl separates units with (narrow) no-break spaces.
    const spaces = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
    await i18n.changeLanguage('fr');
    assert.equal(spaces(format.formatSeconds(185)), '3 min 5 s');
    assert.equal(spaces(format.formatDuration(26 * 3600_000)), '1 j 2 h');
    assert.equal(format.formatDuration(65_000), '1:05');
    assert.equal(format.languageName('en'), 'anglais (en)');
    assert.match(format.timeZoneName('Europe/Paris', new Date('2026-01-15T12:00:00Z')), /heure .*Europe centrale/);
    assert.match(format.formatDate(new Date('2026-03-03T12:00:00Z'), { weekday: 'long', timeZone: 'UTC' }), /^mardi$/);
    assert.equal(format.listFormat(['Ana', 'Ben', 'Chen']), 'Ana, Ben et Chen');
    await i18n.changeLanguage('en');
    assert.equal(spaces(format.formatSeconds(185)), '3 min 5 sec');
    assert.equal(format.languageName('fr'), 'French (fr)');
    assert.match(format.timeZoneName('Europe/Paris', new Date('2026-01-15T12:00:00Z')), /Central European/);
    assert.equal(format.listFormat(['Ana', 'Ben', 'Chen']), 'Ana, Ben, and Chen');
  });
});
