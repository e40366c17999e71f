// Admin: every account — create, disable or enable, reset a password, set its rights groups.

import { h, fill } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { openDialog, field, checkbox, errorText, toast } from './ui.js';

export async function usersPanel(panel) {
  const [users, groups] = await Promise.all([api('GET', 'admin/users'), api('GET', 'admin/groups')]);
  const groupName = (id) => groups.find((g) => g.id === id)?.name ?? id;
  const reload = () => usersPanel(panel);
  const act = (fn) => async () => {
    try { await fn(); reload(); } catch (error) { toast(errorText(error), 'error'); }
  };

  const rows = users.map((u) => h('tr', { 'data-user': u.user },
    h('td', null, h('strong', null, u.username), u.bot ? h('span', { class: 'tag' }, t('admin.bot')) : null),
    h('td', { dir: 'auto' }, u.displayName),
    h('td', null, u.email),
    h('td', null, u.groups.map(groupName).join(', ')),
    h('td', null, h('span', { class: u.disabled ? 'status-off' : 'status-ok' }, u.disabled ? t('admin.disabled') : t('admin.active')),
      u.mustChangePassword ? h('div', { class: 'muted' }, t('admin.mustChange')) : null),
    h('td', { class: 'actions' },
      h('button', { type: 'button', class: 'button small', 'data-action': 'groups', onclick: () => groupsDialog(u) }, t('admin.groups')), ' ',
      h('button', { type: 'button', class: 'button small', 'data-action': 'reset', onclick: () => resetDialog(u) }, t('admin.reset')), ' ',
      h('button', { type: 'button', class: 'button small' + (u.disabled ? '' : ' danger'), 'data-action': 'toggle',
        onclick: act(() => api('PATCH', 'admin/users/' + u.user, { disabled: !u.disabled })) },
      u.disabled ? t('admin.enable') : t('admin.disable')))));

  function groupChecks(selected) {
    return groups.map((g) => ({ id: g.id, ...checkbox(g.name, { checked: selected.includes(g.id), value: g.id }) }));
  }

  function groupsDialog(user) {
    const checks = groupChecks(user.groups);
    openDialog({
      title: t('admin.groupsOf', { name: user.username }), submitLabel: t('common.save'),
      body: checks.map((c) => c.el),
      onSubmit: async () => {
        await api('PATCH', 'admin/users/' + user.user, { groups: checks.filter((c) => c.input.checked).map((c) => c.id) });
        reload();
      },
    });
  }

  function resetDialog(user) {
    const password = h('input', { type: 'password', autocomplete: 'new-password', minlength: 8 });
    openDialog({
      title: t('admin.resetOf', { name: user.username }), submitLabel: t('admin.reset'),
      body: [field(t('connect.newPassword'), password, t('admin.resetHint'))],
      onSubmit: async () => {
        await api('POST', `admin/users/${user.user}/password`, { password: password.value });
        toast(t('admin.resetDone'));
        reload();
      },
    });
  }

  const f = {
    username: h('input', { name: 'username', required: true, autocomplete: 'off' }),
    password: h('input', { name: 'password', type: 'password', autocomplete: 'new-password' }),
    displayName: h('input', { name: 'displayName', autocomplete: 'off' }),
    email: h('input', { name: 'email', type: 'email', autocomplete: 'off' }),
  };
  const checks = groupChecks(['users']);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const create = h('form', { class: 'admin-form', 'aria-label': t('admin.createUser') },
    field(t('connect.username'), f.username), field(t('admin.initialPassword'), f.password),
    field(t('connect.displayName'), f.displayName), field(t('connect.email'), f.email),
    h('fieldset', { class: 'options' }, h('legend', null, t('admin.groups')), checks.map((c) => c.el)),
    h('div', null, h('button', { type: 'submit', class: 'button primary' }, t('admin.createUser')), error));
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await api('POST', 'admin/users', { username: f.username.value.trim(), password: f.password.value,
        displayName: f.displayName.value.trim(), email: f.email.value.trim(),
        groups: checks.filter((c) => c.input.checked).map((c) => c.id) });
      toast(t('admin.created'));
      reload();
    } catch (failure) {
      error.textContent = errorText(failure);
    }
  });

  fill(panel,
    h('section', { class: 'admin-section' },
      h('h2', null, t('admin.users', { count: users.length })),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', null, h('tr', null, ['admin.username', 'connect.displayName', 'connect.email', 'admin.groups', 'admin.status', 'admin.actions']
          .map((key) => h('th', { scope: 'col' }, t(key))))),
        h('tbody', null, rows)))),
    h('section', { class: 'admin-section' }, h('h2', null, t('admin.createUser')), create));
}
