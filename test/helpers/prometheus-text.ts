/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), for tests: it throws on anything
 * a Prometheus server would refuse or that hides a mistake (a sample before or without its TYPE,
 * a family declared twice or split, a repeated series, a histogram without `le` or whose `+Inf`
 * bucket differs from its `_count`).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`…). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string | null;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Parses a whole exposition. @returns families by name. @throws Error naming the line at fault. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const series = new Set<string>();
  const typed = new Set<string>();
  let current: Family | null = null;
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line.slice(0, 80))})`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, keyword, name, rest = ''] = m;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      let family = families.get(name);
      if (family && family !== current) throw new Error(`${where}: family ${name} is split or declared twice`);
      if (!family) {
        family = { name, type: 'untyped', help: null, samples: [] };
        families.set(name, family);
        current = family;
      }
      const f = family;
      if (keyword === 'HELP') {
        if (f.help !== null) throw new Error(`${where}: second HELP for ${name}`);
        f.help = rest;
      } else {
        if (typed.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
        if (f.samples.length > 0) throw new Error(`${where}: TYPE after samples of ${name}`);
        if (!TYPES.has(rest.trim() as MetricType)) throw new Error(`${where}: unknown type "${rest}"`);
        f.type = rest.trim() as MetricType;
        typed.add(name);
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, current);
    if (!family || !typed.has(family.name)) throw new Error(`${where}: sample ${sample.name} has no TYPE line before it`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (series.has(key)) throw new Error(`${where}: series repeated`);
    series.add(key);
    if (family.type === 'histogram' && sample.name.endsWith('_bucket') && sample.labels.le === undefined) throw new Error(`${where}: bucket without le`);
    family.samples.push(sample);
  });
  for (const family of families.values()) {
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

/** The family a sample belongs to: the current one, under its own name or a histogram/summary suffix. */
function familyOf(name: string, current: Family | null): Family | null {
  if (!current) return null;
  if (name === current.name) return current.type === 'histogram' ? null : current;
  const suffixes = current.type === 'histogram' ? ['_bucket', '_sum', '_count'] : current.type === 'summary' ? ['_sum', '_count'] : [];
  return suffixes.some((s) => name === current.name + s) ? current : null;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
  if (!m) throw new Error(`${where}: not a sample line`);
  const [, name, labelText, valueText] = m;
  return { name, labels: labelText ? parseLabels(labelText.slice(1, -1), where) : {}, value: parseValue(valueText, where) };
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without =`);
    const name = text.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name "${name}"`);
    if (name in labels) throw new Error(`${where}: label ${name} repeated`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      if (j >= text.length) throw new Error(`${where}: unterminated label value`);
      const c = text[j];
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`${where}: bad escape \\${next}`);
        j += 2;
      } else {
        value += c;
        j++;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`${where}: expected , between labels`);
  }
  return labels;
}

function parseValue(text: string, where: string): number {
  // As Prometheus reads values (Go's strconv.ParseFloat): NaN and Inf in any case (prom-client writes `Nan`).
  const special = text.toLowerCase();
  if (special === 'nan') return Number.NaN;
  if (special === '+inf' || special === 'inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value "${text}"`);
  return Number(text);
}

/** Each series of a histogram: buckets cumulative, `+Inf` present and equal to `_count`. */
function checkHistogram(family: Family): void {
  const groups = new Map<string, { buckets: { le: number; value: number }[]; count: number | null }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { buckets: [], count: null };
    groups.set(key, group);
    if (s.name.endsWith('_bucket')) group.buckets.push({ le: parseValue(le, family.name), value: s.value });
    else if (s.name.endsWith('_count')) group.count = s.value;
  }
  for (const [key, group] of groups) {
    const inf = group.buckets.find((b) => b.le === Number.POSITIVE_INFINITY);
    if (!inf) throw new Error(`${family.name}${key}: no +Inf bucket`);
    if (group.count !== inf.value) throw new Error(`${family.name}${key}: +Inf bucket ${inf.value} differs from _count ${group.count}`);
    const sorted = [...group.buckets].sort((a, b) => a.le - b.le);
    for (let i = 1; i < sorted.length; i++) if (sorted[i].value < sorted[i - 1].value) throw new Error(`${family.name}${key}: buckets not cumulative`);
  }
}

/**
 * The value of the one sample named `name` whose labels include `labels` (0 when there is none,
 * as Prometheus reads a series that has not appeared yet). @throws Error when several match.
 */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const matches = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value ?? 0;
}
