import { tick } from 'svelte';
import { ClientConfig, SessionInfo } from '../../../shared/schemas/api.schema';
import { fetchConfig, fetchSession, signOut } from '../api/api';
import { DeviceStore } from '../offline/device-store';
import { SyncClient } from '../sync/sync-client.svelte';

const PENDING_SIGN_OUT = 'waymark.pendingSignOut';

/** Whether a sign-out made offline still has to reach the server (a flag only: nothing personal). */
function hasPendingSignOut(): boolean {
  return typeof localStorage !== 'undefined' && localStorage.getItem(PENDING_SIGN_OUT) === '1';
}

function setPendingSignOut(pending: boolean): void {
  if (typeof localStorage === 'undefined') return;
  if (pending) localStorage.setItem(PENDING_SIGN_OUT, '1');
  else localStorage.removeItem(PENDING_SIGN_OUT);
}

/**
 * loading: config and session on their way; failed: the server could not be reached; signing-out:
 * the person asked to sign out, the server is being told and the device cleared.
 */
export type AppPhase = 'loading' | 'failed' | 'signed-out' | 'signing-out' | 'signed-in';
/** Why the person is back at sign-in, if not by choice. */
export type SignOutReason = 'expired' | null;

/**
 * The app's top state: configuration, who is signed in and their live connection. One sync client
 * lives exactly as long as a session.
 *
 * Offline start: when the server cannot be reached at all (a network failure, not a 401), the app
 * starts from the session, configuration and groups the device kept from the last visit and says
 * it is offline. The session is not trusted for long: the socket's handshake checks the cookie as
 * soon as the network is back, and a refusal signs the person out (their outbox stays on the
 * device for their next sign-in; only signing out by choice deletes it).
 */
export class AppState {
  phase = $state<AppPhase>('loading');
  config = $state.raw<ClientConfig | null>(null);
  session = $state.raw<SessionInfo | null>(null);
  sync = $state.raw<SyncClient | null>(null);
  signOutReason = $state<SignOutReason>(null);

  #store: DeviceStore | null = DeviceStore.available() ? new DeviceStore() : null;

  /** Reads the configuration and the session; opens the live connection when signed in. */
  async load(): Promise<void> {
    this.phase = 'loading';
    // A sign-out made offline could not reach the server, so the session cookie still works: end
    // it now, before asking who is signed in, or the person would be signed in again.
    if (hasPendingSignOut() && (await signOut()).ok) setPendingSignOut(false);
    const [config, session] = await Promise.all([fetchConfig(), fetchSession()]);
    if (config.ok) this.config = config.value;
    if (config.ok && session.ok && hasPendingSignOut()) {
      this.phase = 'signed-out';
      return;
    }
    if (config.ok && session.ok) {
      this.signedIn(session.value);
      return;
    }
    if (config.ok && !session.ok && session.code === 'unauthorized') {
      this.phase = 'signed-out';
      return;
    }
    const unreachable = (!config.ok && config.code === 'network') || (!session.ok && session.code === 'network');
    const cached = unreachable ? await this.#cachedSession() : null;
    if (cached) {
      this.config = cached.config;
      this.#start(cached.session);
      return;
    }
    this.phase = 'failed';
  }

  signedIn(session: SessionInfo): void {
    setPendingSignOut(false);
    this.#start(session);
    const config = this.config;
    if (this.#store && config) {
      this.#store.saveSession({ session, config }).catch((error: unknown) => console.warn('waymark: the device could not keep the session', error));
    }
  }

  /** The person asked to sign out: the server forgets the session, the device forgets everything. */
  async signOut(): Promise<void> {
    const sync = this.sync;
    // The signed-in screens go first: a map or a panel still on screen while the server ends the
    // session could ask for more in its name (the map's boundaries, a group's details) and be
    // refused. Sign-out ends in `signed-out` whatever the server answers.
    this.phase = 'signing-out';
    await tick();
    // Offline, the server cannot be told now: the device is cleared all the same, and the next
    // start ends the session on the server first.
    const told = await signOut();
    setPendingSignOut(!told.ok && told.code === 'network');
    sync?.destroy();
    await sync?.outbox.settled();
    await this.#store?.clear().catch((error: unknown) => console.error('waymark: the device could not be cleared', error));
    this.#leave(null);
  }

  /** The server no longer knows the session (expired or revoked). */
  sessionLost(): void {
    this.#leave('expired');
  }

  #start(session: SessionInfo): void {
    this.sync?.destroy();
    this.session = session;
    this.signOutReason = null;
    // Admins see no groups (the server projects nothing for them), so they need no live connection.
    if (session.user.role !== 'admin') {
      const sync = new SyncClient(this.#store ? { device: { store: this.#store, userId: session.user.id } } : {});
      void sync.start();
      this.sync = sync;
    }
    this.phase = 'signed-in';
  }

  /** The session and configuration the device kept, parsed again (storage is a boundary too). */
  async #cachedSession(): Promise<{ session: SessionInfo; config: ClientConfig } | null> {
    const cached = await this.#store?.loadSession().catch(() => null);
    if (!cached) return null;
    const session = SessionInfo.safeParse(cached.session);
    const config = ClientConfig.safeParse(cached.config);
    return session.success && config.success ? { session: session.data, config: config.data } : null;
  }

  #leave(reason: SignOutReason): void {
    this.sync?.destroy();
    this.sync = null;
    this.session = null;
    this.signOutReason = reason;
    this.phase = 'signed-out';
  }
}
