import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** The link that opens the join form with `code` filled in (`/join/CODE`). */
export function inviteLink(code: string): string {
  return `${window.location.origin}/join/${encodeURIComponent(code)}`;
}

/** A private session's invite code and shareable link, with copy buttons. */
export function InviteShare({ code, compact = false }: { code: string; compact?: boolean }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<'code' | 'link' | null>(null);
  const link = inviteLink(code);
  const copy = (what: 'code' | 'link') => {
    const text = what === 'code' ? code : link;
    navigator.clipboard?.writeText(text).then(
      () => setCopied(what),
      () => setCopied(null),
    );
  };
  return (
    <section className={`invite${compact ? ' invite-compact' : ''}`} data-testid="invite">
      <span className="muted small">{t('private.code')}</span>
      <code className="invite-code" data-testid="invite-code">
        {code}
      </code>
      <button type="button" className="link" data-testid="copy-code" onClick={() => copy('code')}>
        {copied === 'code' ? t('invite.copied') : t('invite.copyCode')}
      </button>
      {!compact && (
        <span className="invite-link">
          <a href={link} data-testid="invite-link" onClick={(e) => e.preventDefault()}>
            {link}
          </a>
        </span>
      )}
      <button type="button" className="link" data-testid="copy-link" onClick={() => copy('link')}>
        {copied === 'link' ? t('invite.linkCopied') : t('invite.copyLink')}
      </button>
    </section>
  );
}
