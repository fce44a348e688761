import './styles.css';
import { ApiFailure, ClicksApi, type Query } from './api';
import { Session } from './auth';
import { ClickChart } from './chart';
import { defaultFilters, hasFilters, readFilters, window as timeWindow, writeFilters, type Filters } from './filters';
import { batteryText, clickTypeLabel, formatAgo, formatBattery, formatCount, formatFull, formatInstant } from './format';
import type { Click, DashboardConfig, Problem, Summary } from './types';

/**
 * Live updates: every POLL_MS the newest clicks are asked for with from = the newest occurredAt already shown
 * (inclusive, so ids already shown are skipped). That is one small indexed query per open, visible tab every two
 * seconds (none while the tab is hidden); the summary (chart, devices) is re-read at most every SUMMARY_MS when
 * new clicks came, and every SUMMARY_IDLE_MS otherwise.
 */
const POLL_MS = 2_000;
const SUMMARY_MS = 10_000;
const SUMMARY_IDLE_MS = 60_000;
const PAGE_SIZE = 50;
const POLL_LIMIT = 100;
/** A poll that finds more than this many new clicks starts the timeline over from the newest page. */
const POLL_MAX_PAGES = 5;
const TIMELINE_MAX = 1_000;

function element<T extends HTMLElement = HTMLElement>(id: string, type: abstract new () => T = HTMLElement as unknown as abstract new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`#${id} is missing from index.html`);
  return found;
}

const ui = {
  user: element('user'),
  signOut: element('sign-out', HTMLButtonElement),
  status: element('status'),
  statusText: element('status-text'),
  statusActions: element('status-actions'),
  signedOut: element('signed-out'),
  signedOutText: element('signed-out-text'),
  signIn: element('sign-in', HTMLButtonElement),
  dashboard: element('dashboard'),
  filters: element('filters', HTMLFormElement),
  device: element('f-device', HTMLInputElement),
  deviceIds: element('device-ids', HTMLDataListElement),
  type: element('f-type', HTMLSelectElement),
  range: element('f-range', HTMLSelectElement),
  customFrom: element('custom-range'),
  customTo: element('custom-range-to'),
  from: element('f-from', HTMLInputElement),
  to: element('f-to', HTMLInputElement),
  clear: element('clear-filters', HTMLButtonElement),
  lowBattery: element('low-battery'),
  totalClicks: element('total-clicks'),
  totalDevices: element('total-devices'),
  totalLow: element('total-low'),
  chartHint: element('chart-hint'),
  devicesBody: element('devices-body', HTMLTableSectionElement),
  devicesEmpty: element('devices-empty'),
  devicesTruncated: element('devices-truncated'),
  live: element('live'),
  timeline: element('timeline', HTMLOListElement),
  timelineEmpty: element('timeline-empty'),
  newClicks: element('new-clicks'),
  older: element('older', HTMLButtonElement),
};

interface Action {
  label: string;
  run: () => void;
}

function showStatus(text: string, kind: 'info' | 'error', ...actions: Action[]): void {
  ui.status.hidden = false;
  ui.status.dataset.kind = kind;
  ui.statusText.textContent = text;
  ui.statusActions.replaceChildren(
    ...actions.map((action) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = action.label;
      button.addEventListener('click', action.run);
      return button;
    }),
  );
}

function hideStatus(): void {
  ui.status.hidden = true;
  ui.statusActions.replaceChildren();
}

class Dashboard {
  private filters: Filters = readFilters(location.search);
  private clicks: Click[] = [];
  private readonly shown = new Set<string>();
  /** The exact query of the first page, reused with the cursor (the API requires the same filters). */
  private pageQuery: Query = {};
  private cursor: string | null = null;
  private lastSummaryAt = 0;
  private pendingSummary = false;
  private timer: number | undefined;
  private generation = 0;
  private readonly chart = new ClickChart(element('chart'), element('chart-summary'));
  private readonly api: ClicksApi;

  constructor(private readonly session: Session) {
    this.api = new ClicksApi(() => session.accessToken());
    ui.filters.addEventListener('submit', (event) => {
      event.preventDefault();
      this.apply(this.formFilters());
    });
    ui.type.addEventListener('change', () => { this.apply(this.formFilters()); });
    ui.range.addEventListener('change', () => {
      if (ui.range.value === 'custom') {
        this.showCustom(true);
        ui.from.focus();
        return;
      }

      this.apply(this.formFilters());
    });
    ui.device.addEventListener('change', () => { this.apply(this.formFilters()); });
    ui.clear.addEventListener('click', () => { this.apply({ ...defaultFilters }); });
    ui.older.addEventListener('click', () => { void this.loadOlder(); });
    window.addEventListener('popstate', () => {
      this.filters = readFilters(location.search);
      void this.reload();
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.schedule(0);
    });
  }

  async start(): Promise<void> {
    ui.dashboard.hidden = false;
    await this.reload();
  }

  private formFilters(): Filters {
    const range = ui.range.value as Filters['range'];
    const toIso = (local: string): string => (local === '' ? '' : new Date(local).toISOString());
    const filters: Filters = {
      device: ui.device.value.trim(),
      type: ui.type.value as Filters['type'],
      range,
      from: range === 'custom' ? toIso(ui.from.value) : '',
      to: range === 'custom' ? toIso(ui.to.value) : '',
    };
    if (range === 'custom' && filters.from === '') {
      showStatus('Choose where the custom time range starts (From).', 'error');
      return { ...filters, range: this.filters.range === 'custom' ? '24h' : this.filters.range };
    }

    return filters;
  }

  private apply(filters: Filters): void {
    const search = writeFilters(filters);
    if (search !== location.search) {
      history.pushState(null, '', `${import.meta.env.BASE_URL}${search}`);
    }

    this.filters = readFilters(search);
    void this.reload();
  }

  private showCustom(show: boolean): void {
    ui.customFrom.hidden = !show;
    ui.customTo.hidden = !show;
  }

  private syncForm(): void {
    ui.device.value = this.filters.device;
    ui.type.value = this.filters.type;
    ui.range.value = this.filters.range;
    const local = (iso: string): string => {
      if (iso === '') return '';
      const at = new Date(iso);
      return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    };
    ui.from.value = local(this.filters.from);
    ui.to.value = local(this.filters.to);
    this.showCustom(this.filters.range === 'custom');
  }

  /** Everything from scratch: first page of clicks and the summary, for the current filters. */
  private async reload(): Promise<void> {
    const generation = ++this.generation;
    window.clearTimeout(this.timer);
    this.syncForm();
    this.clicks = [];
    this.shown.clear();
    this.cursor = null;
    ui.dashboard.setAttribute('aria-busy', 'true');
    showStatus('Loading clicks…', 'info');
    const range = timeWindow(this.filters, Date.now());
    this.pageQuery = {
      deviceId: this.filters.device,
      clickType: this.filters.type,
      from: range.from,
      to: range.to,
      limit: PAGE_SIZE,
    };
    try {
      const [page, summary] = await Promise.all([
        this.api.list(this.pageQuery),
        this.api.summary({ from: range.from, to: range.to }),
      ]);
      if (generation !== this.generation) return;
      this.cursor = page.nextCursor;
      this.add(page.items, 'end');
      this.showSummary(summary);
      hideStatus();
      this.renderTimeline([]);
      this.schedule(POLL_MS);
    } catch (error) {
      if (generation === this.generation) this.fail(error, () => void this.reload());
    } finally {
      if (generation === this.generation) ui.dashboard.removeAttribute('aria-busy');
    }
  }

  private schedule(delay: number): void {
    window.clearTimeout(this.timer);
    const range = timeWindow(this.filters, Date.now());
    ui.live.textContent = range.live ? 'Live: new clicks appear within seconds' : 'Not live: the time range has ended';
    if (!range.live) return;
    this.timer = window.setTimeout(() => void this.poll(), delay);
  }

  /** One live update: the clicks newer than (or as new as) the newest one shown. */
  private async poll(): Promise<void> {
    if (document.visibilityState !== 'visible') return; // resumes on visibilitychange
    const generation = this.generation;
    const range = timeWindow(this.filters, Date.now());
    const newest = this.clicks[0]?.occurredAt;
    const from = newest !== undefined && newest > range.from ? newest : range.from;
    const query: Query = { deviceId: this.filters.device, clickType: this.filters.type, from, to: range.to, limit: POLL_LIMIT };
    try {
      const fresh: Click[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await this.api.list(cursor === null ? query : { ...query, cursor });
        if (generation !== this.generation) return;
        fresh.push(...page.items.filter((click) => !this.shown.has(click.id)));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null && pages < POLL_MAX_PAGES);

      if (cursor !== null) {
        // A burst larger than we page through: start over from the newest page rather than leave a hole.
        await this.reload();
        return;
      }

      if (fresh.length > 0) {
        this.add(fresh, 'start');
        this.renderTimeline(fresh.map((click) => click.id));
        ui.newClicks.textContent = fresh.length === 1 ? '1 new click' : `${formatCount(fresh.length)} new clicks`;
      }

      const since = Date.now() - this.lastSummaryAt;
      if (((fresh.length > 0 || this.pendingSummary) && since >= SUMMARY_MS) || since >= SUMMARY_IDLE_MS) {
        this.pendingSummary = false;
        const summary = await this.api.summary({ from: range.from, to: range.to });
        if (generation !== this.generation) return;
        this.showSummary(summary);
      } else if (fresh.length > 0) {
        this.pendingSummary = true;
      }

      if (!ui.status.hidden && ui.status.dataset.kind === 'error') hideStatus();
      this.schedule(POLL_MS);
    } catch (error) {
      if (generation === this.generation) this.fail(error, () => { this.schedule(0); }, true);
    }
  }

  private async loadOlder(): Promise<void> {
    if (this.cursor === null) return;
    const generation = this.generation;
    ui.older.disabled = true;
    ui.older.textContent = 'Loading older clicks…';
    try {
      const page = await this.api.list({ ...this.pageQuery, cursor: this.cursor });
      if (generation !== this.generation) return;
      this.cursor = page.nextCursor;
      const added = this.add(page.items, 'end');
      this.renderTimeline([]);
      // Keep keyboard users where they were: on the first click that just appeared.
      const first = added[0];
      if (first !== undefined) document.getElementById(`click-${first.id}`)?.focus();
    } catch (error) {
      if (generation === this.generation) this.fail(error, () => void this.loadOlder());
    } finally {
      ui.older.disabled = false;
      ui.older.textContent = 'Show older clicks';
    }
  }

  private add(items: Click[], where: 'start' | 'end'): Click[] {
    const added = items.filter((click) => !this.shown.has(click.id));
    for (const click of added) this.shown.add(click.id);
    this.clicks = where === 'start' ? [...added, ...this.clicks] : [...this.clicks, ...added];
    this.clicks.sort((a, b) => (a.occurredAt === b.occurredAt ? (a.id < b.id ? 1 : -1) : a.occurredAt < b.occurredAt ? 1 : -1));
    if (this.clicks.length > TIMELINE_MAX) {
      for (const dropped of this.clicks.splice(TIMELINE_MAX)) this.shown.delete(dropped.id);
      this.cursor = null; // the oldest shown are gone; paging on from there would leave a hole
    }

    return added;
  }

  private renderTimeline(fresh: string[]): void {
    const isNew = new Set(fresh);
    const now = Date.now();
    ui.timeline.replaceChildren(
      ...this.clicks.map((click) => {
        const item = document.createElement('li');
        item.id = `click-${click.id}`;
        item.tabIndex = -1;
        item.className = 'click';
        item.dataset.device = click.deviceId;
        item.dataset.type = click.clickType;
        if (isNew.has(click.id)) item.classList.add('new');

        const at = document.createElement('time');
        at.dateTime = click.occurredAt;
        at.title = formatFull(click.occurredAt);
        at.textContent = formatInstant(click.occurredAt, now);

        const device = document.createElement('span');
        device.className = 'device';
        device.textContent = click.deviceId;

        const type = document.createElement('span');
        type.className = `type type-${click.clickType.toLowerCase()}`;
        type.textContent = clickTypeLabel[click.clickType];

        item.append(at, device, type);
        if (click.batteryMillivolts !== undefined || click.remainingLife !== undefined) {
          const battery = document.createElement('span');
          battery.className = 'battery';
          battery.textContent = formatBattery({ millivolts: click.batteryMillivolts, remainingLife: click.remainingLife });
          item.append(battery);
        }

        return item;
      }),
    );

    const range = timeWindow(this.filters, now);
    const scope = [
      this.filters.device !== '' ? `from ${this.filters.device}` : '',
      this.filters.type !== '' ? `of type ${clickTypeLabel[this.filters.type]}` : '',
    ].filter((part) => part !== '').join(' ');
    ui.timelineEmpty.hidden = this.clicks.length > 0;
    ui.timelineEmpty.textContent =
      ['No clicks', scope, `between ${formatFull(range.from)} and ${range.to === undefined ? 'now' : formatFull(range.to)}.`]
        .filter((part) => part !== '').join(' ') + ' ' +
      (range.live ? 'A button press shows up here within seconds. ' : '') +
      (hasFilters(this.filters) ? 'Widen the time range or clear the filters to see more.' : 'Try a wider time range.');
    ui.older.hidden = this.cursor === null;
  }

  private showSummary(summary: Summary): void {
    this.lastSummaryAt = Date.now();
    const now = Date.now();
    const devices = this.filters.device === '' ? summary.devices : summary.devices.filter((d) => d.deviceId === this.filters.device);
    const total = this.filters.device === '' ? summary.totals.clicks : devices.reduce((sum, d) => sum + d.total, 0);
    ui.totalClicks.textContent = formatCount(total);
    ui.totalDevices.textContent = formatCount(this.filters.device === '' ? summary.totals.devices : devices.length);
    const low = devices.filter((d) => d.battery?.low === true);
    ui.totalLow.textContent = formatCount(this.filters.device === '' ? summary.totals.lowBatteryDevices : low.length);

    ui.lowBattery.hidden = low.length === 0;
    ui.lowBattery.textContent =
      low.length === 0
        ? ''
        : `Low battery: ${low.map((d) => `${d.deviceId} (${batteryText(d.battery)})`).join(', ')}. ` +
          `Replace ${low.length === 1 ? 'its battery' : 'their batteries'} soon: below ${formatCount(summary.thresholds.millivolts)} mV ` +
          `or ${formatCount(summary.thresholds.remainingLife)} % life left a button may stop sending clicks.`;

    ui.chartHint.textContent = `All devices, one bar per ${summary.bucket} (UTC), ${formatFull(summary.from)} to ${formatFull(summary.to)}.`;
    this.chart.show(summary);

    ui.deviceIds.replaceChildren(...summary.devices.map((d) => new Option(d.deviceId, d.deviceId)));
    ui.devicesBody.replaceChildren(
      ...devices.map((d) => {
        const row = document.createElement('tr');
        row.dataset.device = d.deviceId;
        if (d.battery?.low === true) row.classList.add('low');

        const name = document.createElement('th');
        name.scope = 'row';
        const filter = document.createElement('button');
        filter.type = 'button';
        filter.className = 'link';
        filter.textContent = d.deviceId;
        filter.setAttribute('aria-label', `Show only ${d.deviceId}`);
        filter.addEventListener('click', () => { this.apply({ ...this.filters, device: d.deviceId }); });
        name.append(filter);

        const cell = (text: string, className = ''): HTMLTableCellElement => {
          const td = document.createElement('td');
          td.textContent = text;
          if (className !== '') td.className = className;
          return td;
        };
        const seen = cell(formatAgo(d.lastSeen, now));
        seen.title = formatFull(d.lastSeen);

        const battery = cell('', 'battery');
        if (d.battery?.low === true) {
          const badge = document.createElement('strong');
          badge.className = 'badge-low';
          badge.textContent = 'Low battery';
          battery.append(badge, ` ${batteryText(d.battery)}`);
        } else {
          battery.textContent = batteryText(d.battery);
        }

        if (d.battery !== null) battery.title = `Reading of ${formatFull(d.battery.at)}`;
        // What matters most first, so a phone shows it without scrolling the table.
        row.append(
          name,
          seen,
          battery,
          cell(formatCount(d.total), 'num'),
          cell(formatCount(d.byType.SINGLE), 'num'),
          cell(formatCount(d.byType.DOUBLE), 'num'),
          cell(formatCount(d.byType.LONG), 'num'),
        );
        return row;
      }),
    );
    ui.devicesEmpty.hidden = devices.length > 0;
    ui.devicesEmpty.textContent =
      this.filters.device === '' ? 'No device clicked in this time range.' : `${this.filters.device} did not click in this time range.`;
    ui.devicesTruncated.hidden = !summary.devicesTruncated;
  }

  /** Tells the reader what went wrong and what to do; live updates resume by themselves where that makes sense. */
  private fail(error: unknown, retry: () => void, keepData = false): void {
    window.clearTimeout(this.timer);
    if (!(error instanceof ApiFailure)) {
      if (error instanceof DOMException && error.name === 'AbortError') return;
      console.error(error);
      showStatus('Something went wrong in the dashboard. Reload the page to start again.', 'error',
        { label: 'Reload', run: () => { location.reload(); } });
      return;
    }

    const signInAgain = { label: 'Sign in again', run: () => void this.session.signIn(location.pathname + location.search) };
    switch (error.kind) {
      case 'signed-out':
        ui.live.textContent = 'Paused: signed out';
        showStatus('Your session has expired. Sign in again to keep watching your clicks.', 'error', signInAgain);
        return;
      case 'forbidden':
        showStatus(
          'You are signed in, but this account may not read clicks (it needs the read:clicks permission). ' +
            'Ask whoever runs the tenant to grant it, or sign in with another account.',
          'error',
          { label: 'Sign out', run: () => void this.session.signOut() },
        );
        return;
      case 'invalid':
        showStatus(`The filters in the address are not valid${error.parameter === undefined ? '' : ` (${error.parameter})`}: ${error.message}`,
          'error', { label: 'Clear filters', run: () => { this.apply({ ...defaultFilters }); } });
        return;
      case 'unavailable': {
        const seconds = error.retryAfterSeconds ?? 10;
        showStatus(
          `The click store is not answering right now${keepData ? '; what you see may be out of date' : ''}. ` +
            `Retrying in ${String(seconds)} s.`,
          'error',
          { label: 'Retry now', run: retry },
        );
        this.timer = window.setTimeout(retry, seconds * 1000);
        return;
      }
      case 'offline':
        showStatus('The dashboard cannot reach its API. Check your connection; retrying in 10 s.', 'error', { label: 'Retry now', run: retry });
        this.timer = window.setTimeout(retry, 10_000);
        return;
      case 'failed':
        showStatus(`The API answered with an error (${error.message}). Retry, and if it keeps failing look at the function app's log.`,
          'error', { label: 'Retry', run: retry });
        return;
    }
  }
}

async function loadConfig(): Promise<DashboardConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
  if (!response.ok) {
    let detail = `${String(response.status)} ${response.statusText}`;
    try {
      detail = ((await response.json()) as Problem).detail ?? detail;
    } catch {
      // keep the status line
    }

    throw new Error(detail);
  }

  return (await response.json()) as DashboardConfig;
}

function showSignedOut(session: Session, message?: string): void {
  ui.signedOut.hidden = false;
  ui.dashboard.hidden = true;
  ui.signOut.hidden = true;
  if (message !== undefined) ui.signedOutText.textContent = message;
  ui.signIn.onclick = () => void session.signIn(location.pathname + location.search);
  ui.signIn.focus();
}

async function main(): Promise<void> {
  showStatus('Loading the dashboard…', 'info');
  let config: DashboardConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    showStatus(`The dashboard is not configured: ${error instanceof Error ? error.message : String(error)}`, 'error',
      { label: 'Try again', run: () => { location.reload(); } });
    return;
  }

  const session = new Session(config);
  if (Session.isCallback(location.search)) {
    try {
      const returnTo = await session.completeSignIn();
      history.replaceState(null, '', returnTo.startsWith(import.meta.env.BASE_URL) ? returnTo : import.meta.env.BASE_URL);
    } catch (error) {
      history.replaceState(null, '', import.meta.env.BASE_URL);
      hideStatus();
      const reason = error instanceof Error ? error.message : String(error);
      showSignedOut(session, `Signing in did not complete (${reason}). Sign in to try again.`);
      return;
    }
  }

  if (!(await session.isSignedIn())) {
    hideStatus();
    showSignedOut(session);
    return;
  }

  if ((await session.accessToken()) === undefined) {
    hideStatus();
    showSignedOut(session, 'Your session has expired. Sign in again to keep watching your clicks.');
    return;
  }

  const user = await session.user();
  ui.user.textContent = user?.name ?? user?.email ?? '';
  ui.signOut.hidden = false;
  ui.signOut.onclick = () => void session.signOut();
  ui.signedOut.hidden = true;
  await new Dashboard(session).start();
}

void main();
