/** Raised instead of a request's answer when the daemon is not running (the user has been told why). */
export class DaemonUnavailable extends Error {}
