import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Preferences } from './Preferences.tsx';
import type { User } from '../types.ts';

/** One entry of the navigation: route, catalogue key of its label, test id. */
export interface NavItem {
  to: string;
  labelKey: string;
  testId: string;
}

/**
 * The top bar: the brand, the navigation, the language and theme switches, the user and sign-out.
 * On a phone (narrow screens, `styles.css`) the navigation and the switches fold into a menu
 * opened by the Menu button, so nothing sits off-screen (issue 15: the bar overflowed by 285 px
 * at 390 px wide); the user's name stays visible.
 */
export function TopBar({ user, nav, active, onNavigate, onSignOut }: { user: User; nav: NavItem[]; active: string; onNavigate: () => void; onSignOut: () => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const isAdmin = user.roles.includes('admin');

  // A navigation closes the menu.
  useEffect(() => setOpen(false), [active]);

  return (
    <header className={`topbar${open ? ' topbar-open' : ''}`}>
      <div className="topbar-row">
        <span className="brand">{t('app.brand')}</span>
        <span className="spacer" />
        <span className="user" data-testid="current-user" data-user-id={user.id}>
          {user.name}
          {isAdmin && <span className="badge">{t('app.badge.admin')}</span>}
          {user.tier === 'premium' && <span className="badge">{t('app.badge.premium')}</span>}
        </span>
        <button type="button" className="menu-toggle" data-testid="menu-toggle" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen((v) => !v)}>
          {open ? t('app.menuClose') : t('app.menu')}
        </button>
      </div>
      <div className="topbar-panel" id={panelId}>
        {nav.length > 0 && (
          <nav aria-label={t('app.navLabel')} className="topbar-nav">
            {nav.map((item) => (
              <a
                key={item.to}
                href={`#/${item.to}`}
                className={active === item.to ? 'active' : ''}
                aria-current={active === item.to ? 'page' : undefined}
                data-testid={item.testId}
                onClick={() => {
                  setOpen(false);
                  onNavigate();
                }}
              >
                {t(item.labelKey as never)}
              </a>
            ))}
          </nav>
        )}
        <div className="topbar-tools">
          <Preferences />
          <button type="button" className="link" data-testid="sign-out" onClick={onSignOut}>
            {t('app.signOut')}
          </button>
        </div>
      </div>
    </header>
  );
}
