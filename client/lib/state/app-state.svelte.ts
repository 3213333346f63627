import type { ClientConfig, SessionInfo } from '../../../shared/schemas/api.schema';
import { fetchConfig, fetchSession, signOut } from '../api/api';
import { SyncClient } from '../sync/sync-client.svelte';

/** loading: config and session on their way; failed: the server could not be reached. */
export type AppPhase = 'loading' | 'failed' | 'signed-out' | 'signed-in';
/** Why the person is back at sign-in, if not by choice. */
export type SignOutReason = 'expired' | null;

/**
 * The app's top state: configuration, who is signed in and their live connection. One sync client
 * lives exactly as long as a session.
 */
export class AppState {
  phase = $state<AppPhase>('loading');
  config = $state.raw<ClientConfig | null>(null);
  session = $state.raw<SessionInfo | null>(null);
  sync = $state.raw<SyncClient | null>(null);
  signOutReason = $state<SignOutReason>(null);

  /** Reads the configuration and the session; opens the live connection when signed in. */
  async load(): Promise<void> {
    this.phase = 'loading';
    const [config, session] = await Promise.all([fetchConfig(), fetchSession()]);
    if (!config.ok) {
      this.phase = 'failed';
      return;
    }
    this.config = config.value;
    if (session.ok) this.signedIn(session.value);
    else if (session.code === 'unauthorized') this.phase = 'signed-out';
    else this.phase = 'failed';
  }

  signedIn(session: SessionInfo): void {
    this.sync?.destroy();
    this.session = session;
    this.signOutReason = null;
    // Admins see no groups (the server projects nothing for them), so they need no live connection.
    if (session.user.role !== 'admin') {
      const sync = new SyncClient();
      sync.start();
      this.sync = sync;
    }
    this.phase = 'signed-in';
  }

  /** The person asked to sign out. */
  async signOut(): Promise<void> {
    await signOut();
    this.#leave(null);
  }

  /** The server no longer knows the session (expired or revoked). */
  sessionLost(): void {
    this.#leave('expired');
  }

  #leave(reason: SignOutReason): void {
    this.sync?.destroy();
    this.sync = null;
    this.session = null;
    this.signOutReason = reason;
    this.phase = 'signed-out';
  }
}
