import { clickTypes, type ClickType } from './types';

/** The view's filters. They live in the address (?device=&type=&range= or &from=&to=), so a view can be shared. */
export interface Filters {
  device: string;
  type: ClickType | '';
  range: Preset | 'custom';
  /** Only with range "custom": ISO-8601 instants. */
  from: string;
  to: string;
}

export type Preset = '1h' | '24h' | '7d' | '30d';

const presets: Record<Preset, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

export const defaultFilters: Filters = { device: '', type: '', range: '24h', from: '', to: '' };

function isPreset(value: string): value is Preset {
  return Object.hasOwn(presets, value);
}

function isClickType(value: string): value is ClickType {
  return (clickTypes as readonly string[]).includes(value);
}

function isInstant(value: string): boolean {
  return value !== '' && !Number.isNaN(Date.parse(value));
}

export function readFilters(search: string): Filters {
  const query = new URLSearchParams(search);
  const type = (query.get('type') ?? '').toUpperCase();
  const range = query.get('range') ?? '';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  const custom = isInstant(from) && (to === '' || isInstant(to));
  return {
    device: (query.get('device') ?? '').trim(),
    type: isClickType(type) ? type : '',
    range: custom ? 'custom' : isPreset(range) ? range : defaultFilters.range,
    from: custom ? new Date(from).toISOString() : '',
    to: custom && to !== '' ? new Date(to).toISOString() : '',
  };
}

export function writeFilters(filters: Filters): string {
  const query = new URLSearchParams();
  if (filters.device !== '') query.set('device', filters.device);
  if (filters.type !== '') query.set('type', filters.type);
  if (filters.range === 'custom') {
    query.set('from', filters.from);
    if (filters.to !== '') query.set('to', filters.to);
  } else if (filters.range !== defaultFilters.range) {
    query.set('range', filters.range);
  }

  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

export function hasFilters(filters: Filters): boolean {
  return writeFilters(filters) !== '';
}

/** The time window the filters mean now. A preset has no end: it is live, and "to" is left to the server (now). */
export function window(filters: Filters, now: number): { from: string; to?: string; live: boolean } {
  if (filters.range === 'custom') {
    const live = filters.to === '' || Date.parse(filters.to) > now;
    return filters.to === '' ? { from: filters.from, live } : { from: filters.from, to: filters.to, live };
  }

  return { from: new Date(now - presets[filters.range]).toISOString(), live: true };
}
