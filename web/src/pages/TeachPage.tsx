import { Fragment, useCallback, useEffect, useState } from 'react';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { LiveSessionCard } from '../components/LiveSessionCard.tsx';
import { LiveSessionForm } from '../components/LiveSessionForm.tsx';
import { SessionStats } from '../components/SessionStats.tsx';
import { usePolling } from '../hooks.ts';
import { liveApi } from '../live/live-api.ts';
import type { Course, LiveSession } from '../types.ts';

/** The courses the instructor teaches or moderates (seed 004 §1 étape 1), each linking to its sessions. */
export function TeachPage({ courseId, onOpenRoom }: { courseId: string | null; onOpenRoom: (s: LiveSession) => void }) {
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
      <h1>My courses</h1>
      <ErrorMessage error={error} />
      {courses?.length === 0 && <p className="muted">You teach no course yet. An admin lists you as an instructor of a course (PUT /api/courses/&#123;id&#125;).</p>}
      {courseId && courses && !course && <p className="error">This course is not one of yours.</p>}
      <ul className="list">
        {courses?.map((c) => (
          <li key={c.id} className="card row" data-testid="teach-course" data-course-id={c.id}>
            <div className="row-main">
              <a className="row-title" href={`#/teach/${encodeURIComponent(c.id)}`} data-testid="teach-course-link">
                {c.title}
              </a>
              <span className="muted small">
                {c.myRoles.join(', ')} · {c.timeZone}
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
        <a href="#/teach">← My courses</a>
      </p>
      <h1>{course.title}: live sessions</h1>
      <p className="muted small">Times in your local time; weekly series follow the course's time zone ({course.timeZone}).</p>
      {isInstructor && !creating && !editing && (
        <button className="primary" data-testid="new-session" onClick={() => setCreating(true)}>
          New session
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
                  ▶ Start
                </button>
              )}
              {s.status === 'live' && (
                <button className="primary" data-testid="open-room" onClick={() => onOpenRoom(s)}>
                  Open room
                </button>
              )}
              {isInstructor && s.status === 'live' && (
                <button className="danger" data-testid="end-session" onClick={() => void act(() => liveApi.end(s.id))}>
                  ■ End
                </button>
              )}
              {isInstructor && (s.status === 'scheduled' || s.status === 'live' || s.status === 'ended') && (
                <button data-testid="edit-session" onClick={() => (setCreating(false), setEditing(s))}>
                  Edit
                </button>
              )}
              {isInstructor && s.status === 'scheduled' && (
                <button data-testid="cancel-session" onClick={() => setCancelling(cancelling === s.id ? null : s.id)}>
                  Cancel…
                </button>
              )}
              {(s.status === 'live' || s.status === 'ended') && (
                <button data-testid="show-stats" onClick={() => setStatsOf(statsOf === s.id ? null : s.id)}>
                  Statistics
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
                <input data-testid="cancel-reason-input" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Reason shown to students" required maxLength={500} />
                <button className="danger" data-testid="cancel-confirm">
                  Cancel the session
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
      {sessions.length === 0 && <p className="muted">No sessions yet.</p>}
    </main>
  );
}
