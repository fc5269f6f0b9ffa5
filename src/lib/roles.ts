// Workspace roles as pages show them. Kept apart from the zod schemas in members.ts so pages that
// only label roles do not load zod.

export const workspaceRoles = ['owner', 'admin', 'assistant'] as const;
export type WorkspaceRole = (typeof workspaceRoles)[number];

/** A workspace the user belongs to, with their role in it. */
export interface Membership {
	id: string;
	name: string;
	role: WorkspaceRole;
}

export const roleLabels: Record<WorkspaceRole, string> = {
	owner: 'Owner',
	admin: 'Admin',
	assistant: 'Assistant',
};

export const roleNotes: Record<WorkspaceRole, string> = {
	owner: 'Everything, including members and deleting the workspace',
	admin: 'Shows, connections, settings and assistants',
	assistant: 'Runs live shows',
};

/** Which roles someone with managerRole may grant, change or take away (as the database rules). */
export function manageableRoles(managerRole: WorkspaceRole): WorkspaceRole[] {
	if (managerRole === 'owner') return ['owner', 'admin', 'assistant'];
	if (managerRole === 'admin') return ['assistant'];
	return [];
}
