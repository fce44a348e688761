import type { ClickPage, Problem, Summary } from './types';

/** Why a call failed, in the terms the page tells the reader what to do about. */
export type FailureKind =
  | 'signed-out'   // no token, or the API said 401 (expired, revoked): sign in again
  | 'forbidden'    // 403: signed in, but without read:clicks
  | 'unavailable'  // 429 / 503: the store is throttled or down; retry after Retry-After
  | 'invalid'      // 400: a filter the API refused (names the parameter)
  | 'offline'      // no answer at all
  | 'failed';      // anything else (500 …)

export class ApiFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly retryAfterSeconds?: number,
    readonly parameter?: string,
  ) {
    super(message);
  }
}

export type TokenSource = () => Promise<string | undefined>;

export type Query = Record<string, string | number | undefined>;

/** The two read routes of the function app, same origin, with the signed-in user's access token. */
export class ClicksApi {
  constructor(private readonly token: TokenSource) {}

  list(query: Query, signal?: AbortSignal): Promise<ClickPage> {
    return this.get<ClickPage>('/api/clicks', query, signal);
  }

  summary(query: Query, signal?: AbortSignal): Promise<Summary> {
    return this.get<Summary>('/api/clicks/summary', query, signal);
  }

  private async get<T>(path: string, query: Query, signal?: AbortSignal): Promise<T> {
    const token = await this.token();
    if (token === undefined) {
      throw new ApiFailure('signed-out', 'Your session has ended.');
    }

    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') search.set(name, String(value));
    }

    let response: Response;
    try {
      response = await fetch(`${path}?${search.toString()}`, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        cache: 'no-store',
        signal: signal ?? null,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiFailure('offline', 'The dashboard cannot reach its API.');
    }

    if (response.ok) {
      return (await response.json()) as T;
    }

    throw await failure(response);
  }
}

async function failure(response: Response): Promise<ApiFailure> {
  let problem: Problem = {};
  try {
    problem = (await response.json()) as Problem;
  } catch {
    // not problem+json (a proxy's page): the status says enough
  }

  const detail = problem.detail ?? problem.title ?? response.statusText;
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 120) : undefined;
  switch (response.status) {
    case 401:
      return new ApiFailure('signed-out', 'Your session has expired.');
    case 403:
      return new ApiFailure('forbidden', detail);
    case 400:
      return new ApiFailure('invalid', detail, undefined, problem.parameter);
    case 429:
    case 503:
      return new ApiFailure('unavailable', detail, wait ?? 10);
    default:
      return new ApiFailure('failed', `${String(response.status)} ${detail}`);
  }
}
