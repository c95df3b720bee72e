/**
 * Appearance: light, dark or high contrast (for sunlight), or whatever the system says.
 *
 * Kept in localStorage because it belongs to this screen, not to the engine's data.
 */
import { create } from 'zustand';

export const THEMES = ['system', 'light', 'dark', 'high-contrast'] as const;
export type Theme = (typeof THEMES)[number];

export const THEME_LABELS: Readonly<Record<Theme, string>> = {
  system: 'Follow system',
  light: 'Light',
  dark: 'Dark',
  'high-contrast': 'High contrast',
};

const STORAGE_KEY = 'fieldline.theme';

function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (THEMES as readonly string[]).includes(value);
}

function stored(): Theme {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return isTheme(value) ? value : 'system';
  } catch {
    // Storage can be disabled by policy; the system theme is a fine default.
    return 'system';
  }
}

export const useThemeStore = create<{ readonly theme: Theme }>()(() => ({ theme: stored() }));

function apply(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

export function startTheme(): () => void {
  apply(useThemeStore.getState().theme);
  return useThemeStore.subscribe((s) => apply(s.theme));
}

export function setTheme(theme: Theme): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Not persisted, still applied for this session.
  }
  useThemeStore.setState({ theme });
}

export { isTheme };
