// What Auth accepts as a password, for the forms (and their hints) to say before Auth refuses.

/** Auth's minimum_password_length in supabase/config.toml; hosted projects must be set to match. */
export const minimumPasswordLength = 8;
/** bcrypt ignores bytes after 72, so Auth refuses longer passwords. */
export const maximumPasswordLength = 72;
