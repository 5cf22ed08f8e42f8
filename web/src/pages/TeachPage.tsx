import { Fragment, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { LiveSessionCard } from '../components/LiveSessionCard.tsx';
import { LiveSessionForm } from '../components/LiveSessionForm.tsx';
import { SessionStats } from '../components/SessionStats.tsx';
import { listFormat, timeZoneName } from '../format.ts';
import { usePolling } from '../hooks.ts';
import { liveApi } from '../live/live-api.ts';
import type { Course, LiveSession } from '../types.ts';

/** The courses the instructor teaches or moderates (seed 004 §1 étape 1), each linking to its sessions. */
export function TeachPage({ courseId, onOpenRoom }: { courseId: string | null; onOpenRoom: (s: LiveSession) => void }) {
  const { t } = useTranslation();
  const [courses, setCourses] = useState<Course[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    liveApi.myCourses().then(
      (r) => setCourses(r.items.filter((c) => c.myRoles.includes('instructor') || c.myRoles.includes('moderator'))),
      setError,
    );
  }, []);
  const course = courses?.find((c) => c.id === courseId) ?? null;
  if (courseId && course) return <CourseSessions course={course} onOpenRoom={onOpenRoom} />;
  return (
    <main data-testid="teach-page">
      <h1>{t('teach.title')}</h1>
      <ErrorMessage error={error} />
      {courses?.length === 0 && <p className="muted">{t('teach.none')}</p>}
      {courseId && courses && !course && <p className="error">{t('teach.notYours')}</p>}
      <ul className="list">
        {courses?.map((c) => (
          <li key={c.id} className="card row" data-testid="teach-course" data-course-id={c.id}>
            <div className="row-main">
              <a className="row-title" href={`#/teach/${encodeURIComponent(c.id)}`} data-testid="teach-course-link">
                {c.title}
              </a>
              <span className="muted small">
                {listFormat(c.myRoles.map((r) => t(`teach.role.${r}`)))} · {timeZoneName(c.timeZone)}
              </span>
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}

/**
 * One course's sessions for its instructor (seed 004 §1, §3, §6): the list (scheduled, live,
 * ended), the create/edit form with the series option, start / end / cancel, and statistics.
 */
function CourseSessions({ course, onOpenRoom }: { course: Course; onOpenRoom: (s: LiveSession) => void }) {
  const { t } = useTranslation();
  const [sessions, setSessions] = useState<LiveSession[]>([]);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<LiveSession | null>(null);
  const [statsOf, setStatsOf] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const isInstructor = course.myRoles.includes('instructor');

  const reload = useCallback(async () => {
    try {
      setSessions((await liveApi.courseSessions(course.id)).items);
    } catch (err) {
      setError(err);
    }
  }, [course.id]);
  usePolling(reload, 5000);

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main data-testid="course-sessions" data-course-id={course.id}>
      <p className="small">
        <a href="#/teach">{t('teach.back')}</a>
      </p>
      <h1>{t('teach.sessionsOf', { title: course.title })}</h1>
      <p className="muted small">{t('teach.times', { zone: timeZoneName(course.timeZone) })}</p>
      {isInstructor && !creating && !editing && (
        <button className="primary" data-testid="new-session" onClick={() => setCreating(true)}>
          {t('teach.new')}
        </button>
      )}
      {creating && (
        <LiveSessionForm
          editing={null}
          timeZone={course.timeZone}
          onCreate={async (body) => {
            await liveApi.createSessions(course.id, body);
            setCreating(false);
            await reload();
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {editing && (
        <LiveSessionForm
          key={editing.id}
          editing={editing}
          timeZone={course.timeZone}
          onUpdate={async (body) => {
            await liveApi.update(editing.id, body);
            setEditing(null);
            await reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <ErrorMessage error={error} />
      <ul className="list">
        {sessions.map((s) => (
          <Fragment key={s.id}>
            <LiveSessionCard session={s}>
              {isInstructor && s.status === 'scheduled' && (
                <button className="primary" data-testid="start-session" onClick={() => void act(() => liveApi.start(s.id))}>
                  ▶ {t('teach.start')}
                </button>
              )}
              {s.status === 'live' && (
                <button className="primary" data-testid="open-room" onClick={() => onOpenRoom(s)}>
                  {t('teach.openRoom')}
                </button>
              )}
              {isInstructor && s.status === 'live' && (
                <button className="danger" data-testid="end-session" onClick={() => void act(() => liveApi.end(s.id))}>
                  ■ {t('teach.end')}
                </button>
              )}
              {isInstructor && (s.status === 'scheduled' || s.status === 'live' || s.status === 'ended') && (
                <button data-testid="edit-session" onClick={() => (setCreating(false), setEditing(s))}>
                  {t('teach.edit')}
                </button>
              )}
              {isInstructor && s.status === 'scheduled' && (
                <button data-testid="cancel-session" onClick={() => setCancelling(cancelling === s.id ? null : s.id)}>
                  {t('teach.cancel')}
                </button>
              )}
              {(s.status === 'live' || s.status === 'ended') && (
                <button data-testid="show-stats" onClick={() => setStatsOf(statsOf === s.id ? null : s.id)}>
                  {t('teach.stats')}
                </button>
              )}
            </LiveSessionCard>
            {cancelling === s.id && (
              <li className="card">
              <form
                className="inline"
                onSubmit={(e) => {
                  e.preventDefault();
                  void act(() => liveApi.cancel(s.id, reason)).then(() => setCancelling(null));
                }}
              >
                <input data-testid="cancel-reason-input" value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t('teach.reasonPlaceholder')} aria-label={t('teach.reason')} required maxLength={500} />
                <button className="danger" data-testid="cancel-confirm">
                  {t('teach.confirmCancel')}
                </button>
              </form>
              </li>
            )}
            {statsOf === s.id && (
              <li className="card">
                <SessionStats sessionId={s.id} live={s.status === 'live'} />
              </li>
            )}
          </Fragment>
        ))}
      </ul>
      {sessions.length === 0 && <p className="muted">{t('teach.noSessions')}</p>}
    </main>
  );
}
