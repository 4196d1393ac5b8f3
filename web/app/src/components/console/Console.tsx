// The organizer console (/app/organizer): log in, list, create and edit conferences
// (title, time, languages, lobby, chat, registration, agenda), invite people by role
// with copyable personal join links, the public registration link, who registered.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { t, format_date_time } from '../../i18n/i18n';
import { RestClient, RestError, join_link, local_input_to_rfc3339, rfc3339_to_local_input } from '../../api/rest_client';
import type { AgendaItem, Conference, Invitation, NewConference } from '../../protocol/rest.gen';
import { AgendaBuilder } from './AgendaBuilder';

const kSessionKey = 'podium.organizer';
const kInviteRoles = ['moderator', 'speaker', 'interpreter', 'attendee', 'press'] as const;

function saved_token(): string | null {
  try { return globalThis.sessionStorage?.getItem(kSessionKey) ?? null; } catch { return null; }
}
function save_token(token: string | null): void {
  try {
    if (token) globalThis.sessionStorage?.setItem(kSessionKey, token);
    else globalThis.sessionStorage?.removeItem(kSessionKey);
  } catch { /* not persisted */ }
}

function message_of(error: unknown): string {
  if (error instanceof RestError) return t('org.error', { status: String(error.status), detail: error.detail });
  return error instanceof Error ? error.message : String(error);
}

export function Console({ origin }: { origin: string }) {
  const client = useMemo(() => new RestClient(saved_token()), []);
  const [logged_in, set_logged_in] = useState(client.token !== null);
  const [selected, set_selected] = useState<string | null>(null);
  const [creating, set_creating] = useState(false);
  // A new editor for each choice in the list; saving a new conference keeps this one.
  const [editor, set_editor] = useState(0);

  if (!logged_in) return <Login client={client} on_done={() => { save_token(client.token); set_logged_in(true); }} />;
  const logout = () => { void client.logout().catch(() => undefined); save_token(null); set_logged_in(false); };
  const expired = () => { save_token(null); set_logged_in(false); };
  return (
    <main id="main" class="console" aria-labelledby="console-heading">
      <div class="row">
        <h1 id="console-heading" class="grow">{t('org.heading')}</h1>
        <button type="button" onClick={logout}>{t('org.logout')}</button>
      </div>
      <div class="console-grid">
        <ConferenceList client={client} selected={selected} on_expired={expired}
          on_select={(name) => { set_creating(false); set_selected(name); set_editor(editor + 1); }}
          on_new={() => { set_selected(null); set_creating(true); set_editor(editor + 1); }} />
        {creating || selected ? (
          <ConferenceEditor key={editor} client={client} name={selected} origin={origin}
            on_saved={(c) => { set_creating(false); set_selected(c.name); }} />
        ) : null}
      </div>
      {selected ? (
        <div class="console-grid">
          <Invitations key={`i-${selected}`} client={client} name={selected} origin={origin} />
          <Registrations key={`r-${selected}`} client={client} name={selected} origin={origin} />
        </div>
      ) : null}
    </main>
  );
}

function Login({ client, on_done }: { client: RestClient; on_done(): void }) {
  const [email, set_email] = useState('');
  const [password, set_password] = useState('');
  const [error, set_error] = useState<string | null>(null);
  return (
    <main id="main" class="console" aria-labelledby="login-heading">
      <h1 id="login-heading">{t('org.login_heading')}</h1>
      <form class="panel" style={{ maxInlineSize: '26rem' }} onSubmit={(e) => {
        e.preventDefault();
        set_error(null);
        client.login({ email: email.trim(), password }).then(on_done, (err: unknown) =>
          set_error(err instanceof RestError && err.status === 401 ? t('org.login_failed') : message_of(err)));
      }}>
        <label><span>{t('org.email')}</span>
          <input type="email" data-testid="login-email" autocomplete="username" required value={email} onInput={(e) => set_email(e.currentTarget.value)} />
        </label>
        <label><span>{t('org.password')}</span>
          <input type="password" data-testid="login-password" autocomplete="current-password" required value={password}
            onInput={(e) => set_password(e.currentTarget.value)} />
        </label>
        {error ? <p class="notice error" role="alert">{error}</p> : null}
        <button type="submit" class="primary" data-testid="login">{t('org.login')}</button>
      </form>
    </main>
  );
}

function ConferenceList({ client, selected, on_select, on_new, on_expired }: {
  client: RestClient; selected: string | null; on_select(name: string): void; on_new(): void; on_expired(): void;
}) {
  const [list, set_list] = useState<Conference[] | null>(null);
  const [error, set_error] = useState<string | null>(null);
  useEffect(() => {
    client.list().then((r) => set_list(r.conferences), (err: unknown) => {
      if (err instanceof RestError && err.status === 401) on_expired();
      else set_error(message_of(err));
    });
  }, [selected]);
  return (
    <section class="panel" aria-labelledby="list-heading">
      <h2 id="list-heading">{t('org.conferences')}</h2>
      {error ? <p class="notice error" role="alert">{error}</p> : null}
      {list && list.length === 0 ? <p class="hint">{t('org.no_conferences')}</p> : null}
      <ul data-testid="conference-list">
        {(list ?? []).map((c) => (
          <li key={c.name}>
            <button type="button" class={c.name === selected ? 'primary' : ''} aria-current={c.name === selected}
              onClick={() => on_select(c.name)}>{c.title}</button>
            <span class="hint">{c.start ? format_date_time(new Date(c.start)) : c.name}</span>
          </li>
        ))}
      </ul>
      <button type="button" onClick={on_new} data-testid="new-conference">{t('org.new')}</button>
    </section>
  );
}

interface Draft {
  name: string;
  title: string;
  description: string;
  languages: string;
  start: string;
  end: string;
  lobby: boolean;
  chat: 'everyone' | 'panel' | 'off';
  registration: 'open' | 'closed';
  agenda: AgendaItem[];
}

function draft_of(c: Conference | null): Draft {
  return {
    name: c?.name ?? '', title: c?.title ?? '', description: c?.description ?? '',
    languages: (c?.languages ?? []).join(', '), start: rfc3339_to_local_input(c?.start), end: rfc3339_to_local_input(c?.end),
    lobby: c?.settings.lobby ?? false, chat: c?.settings.chat ?? 'everyone',
    registration: c?.settings.registration ?? 'closed', agenda: c?.agenda ?? [],
  };
}

// Items without an id get the first free i<n>, so a reordered agenda never collides.
function with_ids(items: AgendaItem[]): AgendaItem[] {
  const used = new Set(items.map((i) => i.id).filter((id): id is string => !!id));
  let n = 1;
  return items.map((item) => {
    if (item.id) return item;
    while (used.has(`i${n}`)) n += 1;
    used.add(`i${n}`);
    return { ...item, id: `i${n}` };
  });
}

function ConferenceEditor({ client, name, origin, on_saved }: {
  client: RestClient; name: string | null; origin: string; on_saved(c: Conference): void;
}) {
  const [loaded, set_loaded] = useState<Conference | null>(null);
  const [draft, set_draft] = useState<Draft>(draft_of(null));
  const [error, set_error] = useState<string | null>(null);
  const [saved, set_saved] = useState(false);
  useEffect(() => {
    if (!name) return;
    client.get(name).then((c) => { set_loaded(c); set_draft(draft_of(c)); }, (err: unknown) => set_error(message_of(err)));
  }, [name]);
  const set = (change: Partial<Draft>) => { set_saved(false); set_draft({ ...draft, ...change }); };

  const save = async () => {
    set_error(null);
    const fields = {
      title: draft.title.trim(),
      description: draft.description,
      languages: draft.languages.split(',').map((s) => s.trim()).filter(Boolean),
      start: local_input_to_rfc3339(draft.start),
      end: local_input_to_rfc3339(draft.end),
      settings: { lobby: draft.lobby, chat: draft.chat, registration: draft.registration, recording: loaded?.settings.recording ?? false },
      agenda: with_ids(draft.agenda),
    };
    try {
      let c: Conference;
      if (loaded) {
        // Merge patch: null removes a time the organizer cleared.
        c = await client.update(loaded.name, loaded.version,
          { ...fields, start: fields.start ?? null, end: fields.end ?? null } as unknown as typeof fields);
      } else {
        const body: NewConference = { name: draft.name.trim(), ...fields };
        if (!body.start) delete body.start;
        if (!body.end) delete body.end;
        c = await client.create(body);
      }
      set_loaded(c);
      set_draft(draft_of(c));
      set_saved(true);
      on_saved(c);
    } catch (err) {
      set_error(err instanceof RestError && err.status === 412 ? t('org.conflict') : message_of(err));
    }
  };

  return (
    <section class="panel" aria-labelledby="editor-heading" data-testid="conference-editor">
      <h2 id="editor-heading">{loaded ? t('org.edit', { title: loaded.title }) : t('org.create')}</h2>
      <form onSubmit={(e) => { e.preventDefault(); void save(); }}>
        {!loaded ? (
          <label><span>{t('org.name')}</span>
            <input type="text" required pattern="[A-Za-z0-9._\-]{1,64}" value={draft.name} aria-describedby="name-rule"
              data-testid="conf-name" onInput={(e) => set({ name: e.currentTarget.value })} />
            <span id="name-rule" class="hint">{t('org.name_hint')}</span>
          </label>
        ) : null}
        <label><span>{t('org.title')}</span>
          <input type="text" required maxLength={200} value={draft.title} data-testid="conf-title"
            onInput={(e) => set({ title: e.currentTarget.value })} />
        </label>
        <label><span>{t('org.description')}</span>
          <textarea rows={2} maxLength={5000} value={draft.description} onInput={(e) => set({ description: e.currentTarget.value })} />
        </label>
        <div class="row">
          <label><span>{t('org.start')}</span>
            <input type="datetime-local" value={draft.start} onInput={(e) => set({ start: e.currentTarget.value })} />
          </label>
          <label><span>{t('org.end')}</span>
            <input type="datetime-local" value={draft.end} onInput={(e) => set({ end: e.currentTarget.value })} />
          </label>
        </div>
        <label><span>{t('org.languages')}</span>
          <input type="text" value={draft.languages} placeholder={t('org.languages_hint')}
            onInput={(e) => set({ languages: e.currentTarget.value })} />
        </label>
        <fieldset>
          <legend>{t('org.settings')}</legend>
          <label class="inline"><input type="checkbox" checked={draft.lobby} onChange={(e) => set({ lobby: e.currentTarget.checked })} />
            <span>{t('org.lobby')}</span></label>
          <label><span>{t('org.chat')}</span>
            <select value={draft.chat} onChange={(e) => set({ chat: e.currentTarget.value as Draft['chat'] })}>
              <option value="everyone">{t('org.chat_everyone')}</option>
              <option value="panel">{t('org.chat_panel')}</option>
              <option value="off">{t('org.chat_off')}</option>
            </select>
          </label>
          <label><span>{t('org.registration')}</span>
            <select value={draft.registration} data-testid="conf-registration"
              onChange={(e) => set({ registration: e.currentTarget.value as Draft['registration'] })}>
              <option value="closed">{t('org.registration_closed')}</option>
              <option value="open">{t('org.registration_open')}</option>
            </select>
          </label>
        </fieldset>
        <AgendaBuilder items={draft.agenda} on_change={(agenda) => set({ agenda })} />
        {error ? <p class="notice error" role="alert">{error}</p> : null}
        {saved ? <p class="notice" role="status" data-testid="saved">{t('org.saved')}</p> : null}
        <button type="submit" class="primary" data-testid="save-conference">{loaded ? t('org.save') : t('org.create_button')}</button>
        {loaded && loaded.settings.registration === 'open' ? (
          <CopyLink label={t('org.registration_link')} value={`${origin}/app/register?conference=${encodeURIComponent(loaded.name)}`}
            testid="registration-link" />
        ) : null}
      </form>
    </section>
  );
}

export function CopyLink({ label, value, testid }: { label: string; value: string; testid?: string }) {
  const [copied, set_copied] = useState(false);
  return (
    <div class="link-box">
      <label class="grow"><span>{label}</span>
        <input type="text" readOnly value={value} data-testid={testid} onFocus={(e) => e.currentTarget.select()} />
      </label>
      <button type="button" onClick={() => {
        navigator.clipboard?.writeText(value).then(() => set_copied(true), () => set_copied(false));
      }}>{copied ? t('org.copied') : t('org.copy')}</button>
    </div>
  );
}

function Invitations({ client, name, origin }: { client: RestClient; name: string; origin: string }) {
  const [list, set_list] = useState<Invitation[]>([]);
  // Tokens are shown only in the answer to the POST: keep the links made in this visit.
  const [links, set_links] = useState<Record<string, string>>({});
  const [person, set_person] = useState('');
  const [role, set_role] = useState<Invitation['role']>('speaker');
  const [email, set_email] = useState('');
  const [error, set_error] = useState<string | null>(null);
  const reload = () => client.invitations(name).then((r) => set_list(r.invitations ?? []), (err: unknown) => set_error(message_of(err)));
  useEffect(() => { void reload(); }, [name]);
  return (
    <section class="panel" aria-labelledby="inv-heading" data-testid="invitations">
      <h2 id="inv-heading">{t('org.invitations')}</h2>
      <form class="row" onSubmit={(e) => {
        e.preventDefault();
        set_error(null);
        client.invite(name, { name: person.trim(), role, ...(email.trim() ? { email: email.trim() } : {}) }).then((inv) => {
          if (inv.token) set_links({ ...links, [inv.id]: join_link(inv.token, origin) });
          set_person('');
          set_email('');
          void reload();
        }, (err: unknown) => set_error(message_of(err)));
      }}>
        <label class="grow"><span>{t('org.person')}</span>
          <input type="text" required maxLength={128} value={person} data-testid="invite-name" onInput={(e) => set_person(e.currentTarget.value)} />
        </label>
        <label><span>{t('org.role')}</span>
          <select value={role} data-testid="invite-role" onChange={(e) => set_role(e.currentTarget.value as Invitation['role'])}>
            {kInviteRoles.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
          </select>
        </label>
        <label class="grow"><span>{t('org.email_optional')}</span>
          <input type="email" value={email} onInput={(e) => set_email(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" data-testid="invite">{t('org.invite')}</button>
      </form>
      {error ? <p class="notice error" role="alert">{error}</p> : null}
      <ul data-testid="invitation-list">
        {list.map((inv) => (
          <li key={inv.id} data-invitation={inv.name} style={{ flexDirection: 'column', alignItems: 'stretch' }}>
            <span>
              <strong>{inv.name}</strong>{' · '}{t(`role.${inv.role}`)}{inv.revoked ? ` · ${t('org.revoked')}` : ''}
            </span>
            {links[inv.id] ? <CopyLink label={t('org.join_link', { name: inv.name })} value={links[inv.id] ?? ''} testid="join-link" /> : null}
            {!inv.revoked ? (
              <button type="button" onClick={() => { client.revoke(name, inv.id).then(reload, (err: unknown) => set_error(message_of(err))); }}>
                {t('org.revoke')}</button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Registrations({ client, name }: { client: RestClient; name: string; origin: string }) {
  const [list, set_list] = useState<Array<{ id?: number; name?: string; email?: string }>>([]);
  const [error, set_error] = useState<string | null>(null);
  const reload = () => client.registrations(name).then((r) => set_list(r.registrations ?? []), (err: unknown) => set_error(message_of(err)));
  useEffect(() => { void reload(); }, [name]);
  return (
    <section class="panel" aria-labelledby="reg-heading" data-testid="registrations">
      <h2 id="reg-heading">{t('org.registrations')}</h2>
      <button type="button" onClick={() => void reload()}>{t('org.refresh')}</button>
      {error ? <p class="notice error" role="alert">{error}</p> : null}
      {list.length === 0 ? <p class="hint">{t('org.no_registrations')}</p> : (
        <table>
          <thead><tr><th scope="col">{t('org.person')}</th><th scope="col">{t('org.email')}</th></tr></thead>
          <tbody>{list.map((r) => <tr key={r.id}><td>{r.name}</td><td>{r.email}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}
