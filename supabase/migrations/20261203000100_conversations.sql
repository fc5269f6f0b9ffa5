-- The buyer inbox: each buyer's Messenger / Instagram Direct thread with a connected Page or
-- account (public.conversations), and its messages both ways (public.conversation_messages).
-- The messaging webhooks write them; the outbox's normal messages (channel 'message') may only go
-- out within 24 hours of the buyer's last message, which last_inbound_at records.

create table public.conversations (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	connection_id uuid not null references public.social_connections (id) on delete cascade,
	platform text not null check (platform in ('facebook', 'instagram')),
	-- Who the buyer is to the Page: Messenger's page-scoped id (PSID) or Instagram's scoped id (IGSID).
	buyer_platform_id text not null check (length(buyer_platform_id) between 1 and 200),
	buyer_handle text check (length(buyer_handle) <= 200),
	buyer_name text check (length(buyer_name) <= 200),
	-- The buyer's last message: the 24-hour window for normal messages runs from here.
	last_inbound_at timestamptz,
	last_message_at timestamptz,
	unread_count int not null default 0 check (unread_count >= 0),
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (connection_id, buyer_platform_id)
);
create index conversations_workspace_id_last_message_at_idx on public.conversations (workspace_id, last_message_at desc);
create trigger set_updated_at before update on public.conversations
	for each row execute function private.set_updated_at();

create table public.conversation_messages (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	conversation_id uuid not null references public.conversations (id) on delete cascade,
	direction text not null check (direction in ('inbound', 'outbound')),
	-- Meta's message id (mid): a redelivered webhook stores nothing twice.
	external_message_id text check (length(external_message_id) <= 500),
	text text check (length(text) <= 2000),
	-- When Meta says it was written, and when we stored it.
	sent_at timestamptz not null,
	created_at timestamptz not null default now(),
	unique (conversation_id, external_message_id)
);
create index conversation_messages_conversation_id_sent_at_idx on public.conversation_messages (conversation_id, sent_at);
create index conversation_messages_workspace_id_idx on public.conversation_messages (workspace_id);

alter table public.conversations enable row level security;
alter table public.conversation_messages enable row level security;
revoke all on public.conversations, public.conversation_messages from anon;
revoke insert, update, delete, truncate, references, trigger on public.conversations, public.conversation_messages
	from authenticated;
create policy "members read their workspace's conversations" on public.conversations
	for select to authenticated
	using (private.is_workspace_member(workspace_id));
create policy "members read their workspace's conversation messages" on public.conversation_messages
	for select to authenticated
	using (private.is_workspace_member(workspace_id));

alter table public.conversations replica identity full;
alter table public.conversation_messages replica identity full;
alter publication supabase_realtime add table public.conversations, public.conversation_messages;
