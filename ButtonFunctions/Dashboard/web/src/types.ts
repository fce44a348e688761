// The read API's answers, as docs in the README ("GET /api/clicks", "GET /api/clicks/summary") describe them.

export type ClickType = 'SINGLE' | 'DOUBLE' | 'LONG';

export const clickTypes: readonly ClickType[] = ['SINGLE', 'DOUBLE', 'LONG'];

export interface Click {
  id: string;
  deviceId: string;
  clickType: ClickType;
  occurredAt: string;
  receivedAt: string;
  source: string;
  batteryMillivolts?: number;
  remainingLife?: number;
  topic?: string;
  traceId?: string;
}

export interface ClickPage {
  items: Click[];
  nextCursor: string | null;
}

export interface Battery {
  millivolts?: number;
  remainingLife?: number;
  at: string;
  low: boolean;
}

export interface DeviceSummary {
  deviceId: string;
  total: number;
  byType: Record<ClickType, number>;
  firstSeen: string;
  lastSeen: string;
  battery: Battery | null;
}

export interface Summary {
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  thresholds: { millivolts: number; remainingLife: number };
  totals: { clicks: number; byType: Record<ClickType, number>; devices: number; lowBatteryDevices: number };
  devices: DeviceSummary[];
  devicesTruncated: boolean;
  series: { start: string; clicks: number }[];
}

/** What /dashboard/config.json serves: the function app's own settings, never values baked into the bundle. */
export interface DashboardConfig {
  authority: string;
  clientId: string;
  audience: string;
  scope: string;
}

/** RFC 9457 problem details, as every error of the API is answered. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  parameter?: string;
}
