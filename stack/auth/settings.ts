// Auth settings from supabase/config.toml's [auth] section that StackConfig does not carry,
// with the Supabase CLI's defaults.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { supabaseDir } from '../config.ts';

export interface AuthSettings {
	/** `[auth] enable_signup` and `[auth.email] enable_signup` (GOTRUE_DISABLE_SIGNUP, GOTRUE_EXTERNAL_EMAIL_ENABLED). */
	signupEnabled: boolean;
	emailProviderEnabled: boolean;
	/** `[auth.email] enable_confirmations = false` (GOTRUE_MAILER_AUTOCONFIRM): sign-ups are confirmed at once. */
	mailerAutoconfirm: boolean;
	/** `[auth] additional_redirect_urls` (GOTRUE_URI_ALLOW_LIST), glob patterns. */
	redirectAllowList: string[];
	/** Seconds a rotated refresh token may still be used (GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL). */
	refreshTokenReuseInterval: number;
	refreshTokenRotation: boolean;
	/** Lifetime of emailed links and one-time codes (GOTRUE_MAILER_OTP_EXP). */
	otpExpirySeconds: number;
}

interface AuthToml {
	auth?: {
		enable_signup?: boolean;
		additional_redirect_urls?: string[];
		refresh_token_reuse_interval?: number;
		enable_refresh_token_rotation?: boolean;
		email?: { enable_signup?: boolean; enable_confirmations?: boolean; otp_expiry?: number };
	};
}

export function loadAuthSettings(): AuthSettings {
	const { auth = {} } = parse(readFileSync(join(supabaseDir, 'config.toml'), 'utf8')) as AuthToml;
	return {
		signupEnabled: auth.enable_signup ?? true,
		emailProviderEnabled: auth.email?.enable_signup ?? true,
		mailerAutoconfirm: !(auth.email?.enable_confirmations ?? false),
		redirectAllowList: auth.additional_redirect_urls ?? [],
		refreshTokenReuseInterval: auth.refresh_token_reuse_interval ?? 10,
		refreshTokenRotation: auth.enable_refresh_token_rotation ?? true,
		otpExpirySeconds: auth.email?.otp_expiry ?? 3600,
	};
}
