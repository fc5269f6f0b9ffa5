// Login permissions the simulator knows; the dialog rejects others as Meta rejects invalid scopes.
export const knownScopes = [
	'public_profile',
	'email',
	'pages_show_list',
	'pages_read_engagement',
	'pages_read_user_content',
	'pages_manage_metadata',
	'pages_manage_posts',
	'pages_manage_engagement',
	'pages_messaging',
	'business_management',
	'instagram_basic',
	'instagram_manage_comments',
	'instagram_manage_messages',
	'instagram_manage_insights',
] as const;

export type Scope = (typeof knownScopes)[number];

export function isKnownScope(scope: string): scope is Scope {
	return (knownScopes as readonly string[]).includes(scope);
}
