-- The console follows a live show through Realtime: its status, new comments, claims and item counts.
-- Replica identity full on claims and show_items so updates and deletes carry the whole old row
-- (show_id included), which Realtime needs to filter by show and check RLS.

alter table public.claims replica identity full;
alter table public.show_items replica identity full;
alter publication supabase_realtime add table public.shows, public.claims, public.show_items, public.comments;
