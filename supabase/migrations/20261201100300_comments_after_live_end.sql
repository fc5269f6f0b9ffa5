-- Comments made after Meta reported a Facebook live ended (live_ingestion.live_ended_at, set by
-- fb-poll) are recorded but claim nothing: private.allocate_comment ignores them with the reason
-- after_live_end, unless the workspace's setting claims_after_live_end is true.
create function private.after_live_end(target_show public.shows, commented_at timestamptz) returns boolean
language sql stable
set search_path = ''
as $$
	select coalesce((
		select commented_at > i.live_ended_at and (w.settings -> 'claims_after_live_end') is distinct from 'true'::jsonb
		from public.live_ingestion i
		join public.workspaces w on w.id = i.workspace_id
		where i.show_id = target_show.id
	), false)
$$;

revoke execute on function private.after_live_end(public.shows, timestamptz)
from public, anon, authenticated, service_role;
