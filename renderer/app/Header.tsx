/**
 * The top bar: where you are, who you are, and appearance.
 */
import type { Profile } from '../../core/api/schemas.js';
import { KeyDetails } from '../profile/KeyDetails.js';
import { TrustExplainer } from '../profile/TrustExplainer.js';
import { KeysSection } from '../settings/KeysSection.js';
import { THEME_LABELS, THEMES, isTheme, setTheme, useThemeStore } from '../settings/theme.js';
import { VIEW_LABELS, VIEWS, useViewStore } from './view.js';

function ThemePicker(): React.ReactElement {
  const theme = useThemeStore((s) => s.theme);
  return (
    <label className="header__theme">
      <span>Appearance</span>
      <select value={theme} onChange={(e) => (isTheme(e.target.value) ? setTheme(e.target.value) : undefined)} data-testid="theme-select">
        {THEMES.map((t) => (
          <option key={t} value={t}>
            {THEME_LABELS[t]}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Header({ profile }: { profile: Profile }): React.ReactElement {
  const current = useViewStore((s) => s.view);
  return (
    <header className="header">
      <span className="header__brand">Fieldline</span>
      <nav aria-label="Views" className="header__views">
        {VIEWS.map((view) => (
          <a
            key={view}
            className="header__view"
            aria-current={view === current ? 'page' : undefined}
            href={`#${view}`}
            data-testid={`nav-${view}`}
          >
            {VIEW_LABELS[view]}
          </a>
        ))}
      </nav>
      <span className="header__spacer" />
      <details className="header__profile" data-testid="profile-menu">
        <summary>
          {profile.name} · {profile.organisation}
        </summary>
        <div className="header__profile-body">
          <KeyDetails profile={profile} />
          <TrustExplainer profile={profile} />
          <KeysSection />
        </div>
      </details>
      <ThemePicker />
    </header>
  );
}
