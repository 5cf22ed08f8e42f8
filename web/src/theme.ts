/**
 * Light and dark themes (issue 15, seed 004 "dark mode"): the user picks light, dark or system
 * (follow `prefers-color-scheme`) in the top bar; the choice is remembered in localStorage and
 * applied as `<html data-theme="light|dark">` before the first render, so no page flashes in the
 * wrong theme. The colours of both themes are in `styles.css` and keep WCAG AA contrast (the axe
 * audit of `test/browser/accessibility.test.ts` checks every page in both).
 */

export const THEME_PREFERENCES = ['light', 'dark', 'system'] as const;
export type ThemePreference = (typeof THEME_PREFERENCES)[number];
export type Theme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'conversation.theme';

const darkQuery = () => (typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null);

/** The stored preference (`system` when none). */
export function themePreference(): ThemePreference {
  try {
    const stored = localStorage.getItem(THEME_STORAGE_KEY);
    return (THEME_PREFERENCES as readonly string[]).includes(stored ?? '') ? (stored as ThemePreference) : 'system';
  } catch {
    return 'system';
  }
}

/** The theme a preference gives now (`system`: the operating system's). */
export function resolveTheme(preference: ThemePreference, systemDark: boolean): Theme {
  return preference === 'system' ? (systemDark ? 'dark' : 'light') : preference;
}

function apply(preference: ThemePreference): void {
  const theme = resolveTheme(preference, darkQuery()?.matches ?? false);
  const root = document.documentElement;
  root.dataset.theme = theme;
  root.dataset.themePreference = preference;
  root.style.colorScheme = theme;
}

/** Stores and applies a preference. */
export function setThemePreference(preference: ThemePreference): void {
  try {
    if (preference === 'system') localStorage.removeItem(THEME_STORAGE_KEY);
    else localStorage.setItem(THEME_STORAGE_KEY, preference);
  } catch {
    // No storage: applies to this page only.
  }
  apply(preference);
}

/** Applies the stored preference now and follows the system's changes while it is `system`. */
export function installTheme(): void {
  apply(themePreference());
  darkQuery()?.addEventListener('change', () => apply(themePreference()));
}
