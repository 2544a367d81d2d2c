/** CLIENT REPLY's states of a session (redis CLIENT_REPLY_OFF / _SKIP_NEXT / _SKIP). */
export const REPLY_ON = 0
export const REPLY_OFF = 1
/** set by CLIENT REPLY SKIP itself: resetClient turns it into REPLY_SKIP for the next command */
export const REPLY_SKIP_NEXT = 2
/** the running command's reply is dropped; resetClient turns it back to REPLY_ON */
export const REPLY_SKIP = 3
