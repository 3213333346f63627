/** The coordinator's audit log, a page of its own (so it opens in a tab of its own and has the whole window). */
export const AUDIT_PATH = '/audit';
