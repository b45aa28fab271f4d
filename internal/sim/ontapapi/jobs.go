package ontapapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// Job states as ONTAP reports them.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobSuccess = "success"
	JobFailure = "failure"
)

type jobRec struct {
	uuid        string
	description string
	state       string
	message     string
	code        int64
	svmUUID     string
	svmName     string
	svmJob      bool
	start, end  time.Time
	readyAt     time.Time
	run         func() *apiError
}

func (j *jobRec) finished() bool { return j.state == JobSuccess || j.state == JobFailure }

// startJobLocked registers an asynchronous job and answers 202 with the job
// link. run does the work when the job completes; onFailure undoes what the
// request already created when the job fails (injected JobFailure).
func (rc *reqCtx) startJobLocked(description string, svm *models.Svm, svmJob bool, run func() *apiError, onFailure func()) (int, any, *apiError) {
	s := rc.s
	if svmJob {
		running := 0
		for _, j := range s.jobs {
			if j.svmJob && !j.finished() {
				running++
			}
		}
		if running >= s.cfg.MaxSVMJobs {
			return 0, nil, conflict(CodeMaxSVMJobs, "", "Maximum allowed SVM jobs exceeded. Wait for the existing SVM jobs to complete and try again.")
		}
	}
	if rc.fault != nil && rc.fault.JobFailure != "" {
		msg := rc.fault.JobFailure
		run = func() *apiError {
			if onFailure != nil {
				onFailure()
			}
			return &apiError{status: http.StatusInternalServerError, code: CodeInjected, message: msg}
		}
	}
	now := time.Now()
	j := &jobRec{
		uuid:        newUUID(),
		description: description,
		state:       JobQueued,
		svmJob:      svmJob,
		start:       now,
		readyAt:     now.Add(s.cfg.JobDelay),
		run:         run,
	}
	if svm != nil {
		j.svmUUID, j.svmName = deref(svm.UUID), deref(svm.Name)
	}
	s.jobs[j.uuid] = j
	s.timers = append(s.timers, time.AfterFunc(s.cfg.JobDelay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		s.completeJobLocked(j)
		s.persistLocked()
	}))
	href := "/api/cluster/jobs/" + j.uuid
	rc.header.Set("Location", href)
	return http.StatusAccepted, map[string]any{
		"job": map[string]any{"uuid": j.uuid, "_links": map[string]any{"self": map[string]any{"href": href}}},
	}, nil
}

func (s *Server) completeJobLocked(j *jobRec) {
	if j.finished() {
		return
	}
	err := j.run()
	j.end = time.Now()
	if err != nil {
		j.state, j.message = JobFailure, err.message
		code, convErr := strconv.ParseInt(err.code, 10, 64)
		if convErr != nil {
			code = 1
		}
		j.code = code
		return
	}
	j.state, j.message, j.code = JobSuccess, "success", 0
}

// refreshJobLocked advances a job observed by a poll: finished when its time
// has come, otherwise running.
func (s *Server) refreshJobLocked(j *jobRec) {
	if j.finished() {
		return
	}
	if !time.Now().Before(j.readyAt) {
		s.completeJobLocked(j)
		return
	}
	j.state = JobRunning
}

// expireJobsLocked forgets finished jobs after the retention time, as ONTAP
// does.
func (s *Server) expireJobsLocked() {
	cutoff := time.Now().Add(-s.cfg.JobRetention)
	for id, j := range s.jobs {
		if j.finished() && j.end.Before(cutoff) {
			delete(s.jobs, id)
		}
	}
}

func (j *jobRec) model() *models.Job {
	uuid := strfmt.UUID(j.uuid)
	m := &models.Job{
		UUID:        &uuid,
		Description: new(j.description),
		State:       new(j.state),
		StartTime:   new(strfmt.DateTime(j.start)),
	}
	if j.finished() {
		m.Message = new(j.message)
		m.Code = new(j.code)
		m.EndTime = new(strfmt.DateTime(j.end))
		if j.state == JobFailure {
			m.Error = &models.JobInlineError{Code: new(strconv.FormatInt(j.code, 10)), Message: new(j.message)}
		}
	}
	if j.svmUUID != "" {
		m.Svm = &models.JobInlineSvm{Name: new(j.svmName), UUID: new(j.svmUUID)}
	}
	return m
}

func (s *Server) listJobs(rc *reqCtx) (int, any, *apiError) {
	s.expireJobsLocked()
	var items []listItem
	for _, j := range sortedValues(s.jobs, func(j *jobRec) string { return j.start.Format(time.RFC3339Nano) + j.uuid }) {
		if !rc.p.sees(j.svmUUID) {
			continue
		}
		items = append(items, listItem{rec: j.model(), href: "/api/cluster/jobs/" + j.uuid})
	}
	return rc.list(items, "uuid")
}

func (s *Server) getJob(rc *reqCtx) (int, any, *apiError) {
	s.expireJobsLocked()
	j, ok := s.jobs[rc.r.PathValue("uuid")]
	if !ok || !rc.p.sees(j.svmUUID) {
		return 0, nil, notFound("uuid")
	}
	s.refreshJobLocked(j)
	return rc.single(j.model(), "/api/cluster/jobs/"+j.uuid, "uuid")
}
