// How long certificates live and when they are renewed, apart from the code that issues them so a
// node that only checks its certificate's age does not load the X.509 library (~13 MB resident).
export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;
/** A leaf expiring sooner than this is re-issued at start-up. */
export const RENEW_WITHIN_DAYS = 90;
