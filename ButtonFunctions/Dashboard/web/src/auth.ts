import { Auth0Client, type Cacheable, type ICache, type User } from '@auth0/auth0-spa-js';
import type { DashboardConfig } from './types';

const prefix = '@@auth0spajs@@';

/**
 * auth0-spa-js keeps tokens in memory by default (lost on reload) or in localStorage (readable by any script of the
 * origin, and kept after the tab closes). This keeps them in sessionStorage: they survive a reload of this tab,
 * are never shared with other tabs and go away when the tab closes.
 */
const sessionCache: ICache = {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the signature ICache declares
  get<T = Cacheable>(key: string): T | undefined {
    const value = sessionStorage.getItem(key);
    return value === null ? undefined : (JSON.parse(value) as T);
  },
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the signature ICache declares
  set<T = Cacheable>(key: string, entry: T): void {
    sessionStorage.setItem(key, JSON.stringify(entry));
  },
  remove(key: string): void {
    sessionStorage.removeItem(key);
  },
  allKeys(): string[] {
    return Object.keys(sessionStorage).filter((key) => key.startsWith(prefix));
  },
};

export interface AppState {
  /** The address (path and query) to come back to after signing in. */
  returnTo: string;
}

/** Sign-in with the authorization code flow + PKCE against the configured authority (Auth0 or LocalIssuer). */
export class Session {
  private readonly client: Auth0Client;
  private readonly home: string;

  constructor(config: DashboardConfig) {
    this.home = `${location.origin}${import.meta.env.BASE_URL}`;
    this.client = new Auth0Client({
      // auth0-spa-js takes a host (https:// assumed) or a full origin, and derives the issuer as "<domain>/".
      domain: config.authority.replace(/\/+$/, ''),
      clientId: config.clientId,
      authorizationParams: {
        audience: config.audience,
        scope: `openid profile ${config.scope}`,
        redirect_uri: this.home,
      },
      cache: sessionCache,
      // No refresh tokens and no hidden iframe: when the access token expires the page says so and the reader
      // signs in again (with a live Auth0 session that is one redirect, no typing).
      useRefreshTokens: false,
    });
  }

  /** True when the address is Auth0 coming back from /authorize (with a code, or an error). */
  static isCallback(search: string): boolean {
    const query = new URLSearchParams(search);
    return query.has('state') && (query.has('code') || query.has('error'));
  }

  /** Exchanges the code (PKCE verifier from sessionStorage) and answers where the reader was before signing in. */
  async completeSignIn(): Promise<string> {
    const result = await this.client.handleRedirectCallback<AppState>();
    return result.appState?.returnTo ?? import.meta.env.BASE_URL;
  }

  isSignedIn(): Promise<boolean> {
    return this.client.isAuthenticated();
  }

  user(): Promise<User | undefined> {
    return this.client.getUser();
  }

  /** The cached access token while it is valid (minus a minute); undefined once it expired. Never a network call. */
  async accessToken(): Promise<string | undefined> {
    try {
      return await this.client.getTokenSilently({ cacheMode: 'cache-only' });
    } catch {
      return undefined;
    }
  }

  signIn(returnTo: string): Promise<void> {
    return this.client.loginWithRedirect<AppState>({ appState: { returnTo } });
  }

  signOut(): Promise<void> {
    return this.client.logout({ logoutParams: { returnTo: this.home } });
  }
}
