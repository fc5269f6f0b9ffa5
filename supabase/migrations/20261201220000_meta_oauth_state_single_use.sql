-- A Meta sign-in's `state` completes once (supabase/functions/meta-oauth, action complete): its
-- nonce is recorded until the state would have expired anyway, and a second completion with the
-- same state is refused before Meta is asked to exchange its code.

create table private.meta_oauth_used_states (
	nonce text primary key,
	expires_at timestamptz not null
);
create index meta_oauth_used_states_expires_at_idx on private.meta_oauth_used_states (expires_at);
alter table private.meta_oauth_used_states enable row level security;
revoke all on private.meta_oauth_used_states from public, anon, authenticated, service_role;

create function public.meta_use_oauth_state(nonce text, expires_at timestamptz) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
	delete from private.meta_oauth_used_states used where used.expires_at < now();
	insert into private.meta_oauth_used_states (nonce, expires_at)
	values (meta_use_oauth_state.nonce, meta_use_oauth_state.expires_at)
	on conflict do nothing;
	if not found then
		raise sqlstate 'PT409' using message = 'this Meta sign-in was already completed; connect again from the console';
	end if;
end;
$$;

revoke execute on function public.meta_use_oauth_state(text, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.meta_use_oauth_state(text, timestamptz) to service_role;
