-- Nobody becomes a member of a workspace without accepting: members were rows anyone with the
-- admin role could insert directly over the API, for any user id and (as an owner) any role, and
-- the policies could not keep a workspace from losing its last owner. Direct writes to
-- workspace_members end here; people join by accepting an invitation and members are managed
-- through the functions that follow, which check who may change whom. Deleting a workspace takes
-- a typed confirmation, so it moves behind a function too.
drop policy "admins add members, owners add owners" on public.workspace_members;
drop policy "admins change members, owners change owners" on public.workspace_members;
drop policy "admins remove members, owners remove owners" on public.workspace_members;
revoke insert, update, delete, truncate, references, trigger on public.workspace_members from authenticated;

drop policy "owners delete their workspace" on public.workspaces;
revoke delete, truncate, references, trigger on public.workspaces from authenticated;
