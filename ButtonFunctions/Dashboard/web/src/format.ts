import type { Battery, ClickType } from './types';

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const count = new Intl.NumberFormat();

export const formatCount = (n: number): string => count.format(n);

/** Today: time only; otherwise date and time, in the reader's own zone and language. */
export function formatInstant(iso: string, now = Date.now()): string {
  const at = new Date(iso);
  return new Date(now).toDateString() === at.toDateString() ? time.format(at) : dateTime.format(at);
}

export const formatFull = (iso: string): string => dateTime.format(new Date(iso));

export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [['second', 60], ['minute', 60], ['hour', 24], ['day', 365]];
  let value = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return relative.format(value, unit);
    value = Math.round(value / size);
  }

  return relative.format(value, 'year');
}

export function formatBattery(battery: { millivolts?: number | undefined; remainingLife?: number | undefined }): string {
  const parts: string[] = [];
  if (battery.millivolts !== undefined) parts.push(`${count.format(battery.millivolts)} mV`);
  if (battery.remainingLife !== undefined) parts.push(`${count.format(battery.remainingLife)} % life left`);
  return parts.join(', ');
}

export function batteryText(battery: Battery | null): string {
  return battery === null ? 'No reading' : formatBattery(battery);
}

export const clickTypeLabel: Record<ClickType, string> = { SINGLE: 'Single', DOUBLE: 'Double', LONG: 'Long' };
