"""Jobs through both facades: building them, running them, following them."""

from __future__ import annotations

import contextlib
import datetime as dt

import attrs
import pytest

import ec_async
from ec_async import (
    JobCreator,
    JobStartOptions,
    JobStepCreator,
    JobTargetStatus,
    JobTriggerCreator,
    StepProperty,
    TriggerProperty,
)
from ec_async.emulator import Emulator
from tests.sync.facades import AnyClient, Facade

from ._support import ADMIN, PASSWORD, build_job, eventually, fleet

OK = JobTargetStatus.PROCESS_OK
FAILED = JobTargetStatus.PROCESS_FAILED
AWAITING = JobTargetStatus.PROCESS_AWAITING


def _client(
    facade: Facade, emulator: Emulator
) -> contextlib.AbstractContextManager[AnyClient]:
    return facade.client(emulator.base_url, username=ADMIN, password=PASSWORD)


def _statuses(facade: Facade, ec: AnyClient, scope_id: str, job_id: str) -> list[str]:
    targets = facade.run(ec.scope(scope_id).jobs.targets(job_id).list(limit=500))
    return sorted(str(target.status) for target in targets)


class TestJobs:
    """Jobs: create, read, update, list, count and delete."""

    def test_lifecycle(self, facade: Facade, served: Emulator) -> None:
        """A created job can be read, renamed with its optlock, listed and deleted."""
        with _client(facade, served) as ec:
            jobs = ec.jobs
            job = facade.run(jobs.create(JobCreator(name="nightly", description="d")))
            renamed = facade.run(jobs.update(attrs.evolve(job, name="weekly")))
            listed = facade.run(jobs.list(name="weekly"))
            matched = facade.run(jobs.list(match_term="week"))
            counted = facade.run(jobs.count())
            queried = facade.run(jobs.query(ask_total_count=True))
            every = facade.collect(jobs.iter())
            facade.run(jobs.delete(job.id))
            with pytest.raises(ec_async.NotFound):
                facade.run(jobs.get(job.id))

        assert ("nightly", "d") == (job.name, job.description)
        assert ("weekly", (job.optlock or 0) + 1) == (renamed.name, renamed.optlock)
        assert [job.id] == [j.id for j in listed] == [j.id for j in matched]
        assert 1 == counted == queried.total_count == len(every)

    def test_names_are_unique(self, facade: Facade, served: Emulator) -> None:
        """A second job with the same name is a DuplicateName."""
        with _client(facade, served) as ec:
            facade.run(ec.jobs.create(JobCreator(name="dup")))
            with pytest.raises(ec_async.DuplicateName):
                facade.run(ec.jobs.create(JobCreator(name="dup")))


class TestSteps:
    """A job's steps: definitions, properties and their order."""

    def test_indexes_append_insert_and_close_up(
        self, facade: Facade, served: Emulator
    ) -> None:
        """Steps append at the end, an insert moves later ones up, a delete closes up."""
        with _client(facade, served) as ec:
            job = facade.run(ec.jobs.create(JobCreator(name="steps")))
            steps = ec.jobs.steps(job.id)
            bundle = facade.run(ec.job_step_definitions.find("Bundle Start"))

            def add(name: str, index: int | None = None) -> ec_async.JobStep:
                creator = JobStepCreator(
                    name=name,
                    job_step_definition_id=bundle.id,
                    step_index=index,
                    step_properties=[StepProperty(name="bundleId", property_value="7")],
                )
                return facade.run(steps.create(creator))

            first, second = add("a"), add("b")
            middle = add("m", 1)
            facade.run(steps.delete(first.id))
            order = facade.run(steps.list(sort_by="stepIndex"))
            updated = facade.run(
                steps.update(
                    attrs.evolve(facade.run(steps.get(second.id)), description="x")
                )
            )
            count = facade.run(steps.count())
            queried = facade.run(steps.query())
            every = facade.collect(steps.iter())

        assert [0, 1, 1] == [first.step_index, second.step_index, middle.step_index]
        assert [("m", 0), ("b", 1)] == [(s.name, s.step_index) for s in order]
        assert ("x", "7") == (updated.description, updated.property_value("bundleId"))
        assert "java.lang.String" == updated.step_properties[0].property_type
        assert 2 == count == len(queried) == len(every)

    def test_required_property_and_unknown_definition(
        self, facade: Facade, served: Emulator
    ) -> None:
        """A command step needs commandInput; an unknown definition is NotFound."""
        with _client(facade, served) as ec:
            job = facade.run(ec.jobs.create(JobCreator(name="bad-steps")))
            steps = ec.jobs.steps(job.id)
            command = facade.run(ec.job_step_definitions.find("Command Execution"))
            with pytest.raises(ec_async.BadRequest) as missing:
                facade.run(
                    steps.create(
                        JobStepCreator(name="c", job_step_definition_id=command.id)
                    )
                )
            with pytest.raises(ec_async.NotFound):
                facade.run(
                    steps.create(JobStepCreator(name="c", job_step_definition_id="_w"))
                )

        assert "stepProperties[].commandInput" == missing.value.argument_name


class TestTargets:
    """A job's targets: devices waiting at step 0 until the job runs."""

    def test_add_filter_and_remove(self, facade: Facade, served: Emulator) -> None:
        """Three new targets wait at step 0; one removed leaves two."""
        scope_id, devices = fleet(served, "t-targets", 3)

        with _client(facade, served) as ec:
            jobs = ec.scope(scope_id).jobs
            job = facade.run(jobs.create(JobCreator(name="targets")))
            targets = jobs.targets(job.id)
            added = facade.run(targets.add_devices(devices))
            waiting = facade.run(targets.list(status=AWAITING))
            done = facade.run(targets.list(status=OK))
            one = facade.run(targets.get(added[0].id))
            facade.run(targets.delete(added[0].id))
            count = facade.run(targets.count())
            queried = facade.run(targets.query())
            every = facade.collect(targets.iter())

        assert devices == [t.job_target_id for t in added]
        assert {(AWAITING, 0)} == {(t.status, t.step_index) for t in added}
        assert 3 == len(waiting)
        assert 0 == len(done)
        assert added[0] == one
        assert 2 == count == len(queried) == len(every)


class TestRunning:
    """Starting jobs and following their executions to the end."""

    def test_fifty_devices_with_one_offline(
        self, facade: Facade, served: Emulator
    ) -> None:
        """49 connected devices pass; the disconnected one fails with the server's reason.

        run() starts the job once and returns the execution it made, ended.
        """
        scope_id, devices = fleet(served, "t-fifty", 50, offline=[17])

        with _client(facade, served) as ec:
            jobs = ec.scope(scope_id).jobs
            job_id = build_job(facade, ec, scope_id, "fifty", devices)
            execution = facade.run(jobs.run(job_id, timeout=60))
            targets = facade.run(jobs.targets(job_id).list(limit=100))
            listed = facade.run(
                jobs.executions(job_id).targets(execution.id, limit=100)
            )
            running = facade.run(jobs.is_running(job_id))
            history = facade.run(jobs.executions(job_id).list())
            failed = next(t for t in targets if t.status == FAILED)
            of_failed = facade.run(jobs.targets(job_id).executions(failed.id))

        assert execution.finished
        assert execution.started_on is not None
        assert execution.ended_on is not None
        assert execution.started_on <= execution.ended_on
        assert {t.id for t in targets} == set(execution.target_ids)
        assert [FAILED] + [OK] * 49 == sorted(str(t.status) for t in targets)
        assert devices[17] == failed.job_target_id
        assert failed.status_message is not None
        assert "is not CONNECTED" in failed.status_message
        assert "DISCONNECTED" in failed.status_message
        assert 50 == len(listed)
        assert False is running
        assert [execution.id] == [e.id for e in history]
        assert [execution.id] == [e.id for e in of_failed]
        assert execution.log is not None
        assert 1 == execution.log.count("FAILED")

    def test_follow_yields_each_change_to_the_end(
        self, facade: Facade, slow_served: Emulator
    ) -> None:
        """States come in as targets pass; the last one is finished, all ten OK."""
        scope_id, devices = fleet(slow_served, "t-follow", 10)

        with _client(facade, slow_served) as ec:
            jobs = ec.scope(scope_id).jobs
            job_id = build_job(facade, ec, scope_id, "follow", devices)
            facade.run(jobs.start(job_id))
            assert eventually(
                lambda: bool(facade.run(jobs.executions(job_id).list()).items)
            )
            execution_id = facade.run(jobs.executions(job_id).list()).items[0].id
            states = facade.collect(
                jobs.follow(job_id, execution_id, poll_interval=0.05, timeout=30)
            )

        done = [state.counts.get(OK, 0) for state in states]
        assert 2 <= len(states)
        assert not states[0].finished
        assert states[-1].finished
        assert {OK: 10} == states[-1].counts
        assert sorted(done) == done

    def test_wait_for_the_latest_execution(
        self, facade: Facade, slow_served: Emulator
    ) -> None:
        """Without an execution id, the wait follows the latest one to its end."""
        scope_id, devices = fleet(slow_served, "t-wait", 4)

        with _client(facade, slow_served) as ec:
            jobs = ec.scope(scope_id).jobs
            job_id = build_job(facade, ec, scope_id, "wait", devices)
            facade.run(jobs.start(job_id))
            execution = facade.run(
                jobs.wait_for_execution(job_id, timeout=30, poll_interval=0.05)
            )
            statuses = _statuses(facade, ec, scope_id, job_id)

        assert execution.finished
        assert [OK] * 4 == statuses

    def test_a_wait_can_give_up_and_the_job_goes_on(
        self, facade: Facade, slow_served: Emulator
    ) -> None:
        """run() raises WaitTimeout past its timeout; the execution still ends."""
        scope_id, devices = fleet(slow_served, "t-timeout", 10)

        with _client(facade, slow_served) as ec:
            jobs = ec.scope(scope_id).jobs
            job_id = build_job(facade, ec, scope_id, "timeout", devices)
            with pytest.raises(ec_async.WaitTimeout):
                facade.run(jobs.run(job_id, timeout=0.1, poll_interval=0.05))
            final = facade.run(jobs.wait_for_execution(job_id, timeout=30))

        assert final.finished

    def test_refusals_of_the_engine(
        self, facade: Facade, slow_served: Emulator
    ) -> None:
        """No steps, no targets, an unknown target, or already running: refused."""
        scope_id, devices = fleet(slow_served, "t-refuse", 5)

        with _client(facade, slow_served) as ec:
            jobs = ec.scope(scope_id).jobs
            bare = facade.run(jobs.create(JobCreator(name="bare")))
            with pytest.raises(ec_async.JobEngineError) as no_steps:
                facade.run(jobs.start(bare.id))
            job_id = build_job(facade, ec, scope_id, "refuse", [])
            with pytest.raises(ec_async.JobEngineError) as no_targets:
                facade.run(jobs.start(job_id))
            targets = facade.run(jobs.targets(job_id).add_devices(devices))
            with pytest.raises(ec_async.JobEngineError) as unknown:
                facade.run(jobs.start(job_id, JobStartOptions(target_ids=[bare.id])))
            facade.run(jobs.start(job_id))
            with pytest.raises(ec_async.JobAlreadyRunning) as twice:
                facade.run(jobs.start(job_id))
            running = facade.run(jobs.running([job_id, bare.id, "AQ"]))
            facade.run(jobs.wait_for_execution(job_id, timeout=30))

        assert "JOB_STEP_MISSING" == no_steps.value.error_code
        assert "JOB_TARGET_MISSING" == no_targets.value.error_code
        assert "JOB_TARGET_INVALID" == unknown.value.error_code
        assert job_id == twice.value.job_id
        assert {job_id: True, bare.id: False, "AQ": None} == running
        assert 5 == len(targets)

    def test_stop_then_resume(self, facade: Facade, slow_served: Emulator) -> None:
        """A stopped execution ends with targets still waiting; resumed, it finishes."""
        scope_id, devices = fleet(slow_served, "t-stop", 10)

        with _client(facade, slow_served) as ec:
            jobs = ec.scope(scope_id).jobs
            job_id = build_job(facade, ec, scope_id, "stop", devices)
            facade.run(jobs.start(job_id))
            assert eventually(lambda: OK in _statuses(facade, ec, scope_id, job_id))
            facade.run(jobs.stop(job_id))
            stopped = facade.run(jobs.wait_for_execution(job_id, timeout=30))
            after_stop = _statuses(facade, ec, scope_id, job_id)
            facade.run(jobs.executions(job_id).resume(stopped.id))
            resumed = facade.run(
                jobs.wait_for_execution(job_id, stopped.id, timeout=30)
            )
            with pytest.raises(ec_async.JobEngineError) as again:
                facade.run(jobs.executions(job_id).resume(stopped.id))
            facade.run(jobs.executions(job_id).stop(stopped.id))

        assert stopped.finished
        assert AWAITING in after_stop
        assert OK in after_stop
        assert resumed.finished
        assert [OK] * 10 == _final(facade, slow_served, scope_id, job_id)
        assert "JOB_RESUMING" == again.value.error_code

    def test_a_fixed_device_passes_on_the_next_start(
        self, facade: Facade, served: Emulator
    ) -> None:
        """A start retries failed targets; a restart runs every target again."""
        scope_id, devices = fleet(served, "t-retry", 3, offline=[1])

        with _client(facade, served) as ec:
            jobs = ec.scope(scope_id).jobs
            job_id = build_job(facade, ec, scope_id, "retry", devices, steps=2)
            facade.run(jobs.run(job_id, timeout=30, poll_interval=0.05))
            first = facade.run(jobs.targets(job_id).list())
            served.admin.set_connection(devices[1], "CONNECTED")
            second = facade.run(jobs.run(job_id, timeout=30, poll_interval=0.05))
            facade.run(jobs.restart(job_id))
            third = facade.run(jobs.wait_for_execution(job_id, timeout=30))
            executions = facade.run(jobs.executions(job_id).count())
            queried = facade.run(jobs.executions(job_id).query(ask_total_count=True))
            after = facade.run(jobs.targets(job_id).list())

        by_device = {t.job_target_id: (t.status, t.step_index) for t in first}
        assert (OK, 1) == by_device[devices[0]]
        assert (FAILED, 0) == by_device[devices[1]]
        assert second.id != third.id
        assert 3 == executions == queried.total_count
        assert third.id == queried.items[0].id  # newest first
        assert {(OK, 1)} == {(t.status, t.step_index) for t in after}

    def test_delete_a_running_job(self, facade: Facade, slow_served: Emulator) -> None:
        """A running job is kept unless the delete is forced."""
        scope_id, devices = fleet(slow_served, "t-delete", 10)

        with _client(facade, slow_served) as ec:
            jobs = ec.scope(scope_id).jobs
            job_id = build_job(facade, ec, scope_id, "delete", devices)
            facade.run(jobs.start(job_id))
            with pytest.raises(ec_async.JobEngineError) as refused:
                facade.run(jobs.delete(job_id))
            facade.run(jobs.delete(job_id, forced=True))
            with pytest.raises(ec_async.NotFound):
                facade.run(jobs.get(job_id))

        assert "JOB_RUNNING" == refused.value.error_code


def _final(facade: Facade, emulator: Emulator, scope_id: str, job_id: str) -> list[str]:
    with _client(facade, emulator) as ec:
        return _statuses(facade, ec, scope_id, job_id)


class TestTriggers:
    """Triggers that start jobs, and the record of their firings."""

    def test_an_interval_trigger_fires_and_is_recorded(
        self, facade: Facade, served: Emulator
    ) -> None:
        """Due at once, then every hour: moving the clock an hour fires it again."""
        scope_id, devices = fleet(served, "t-interval", 2)

        with _client(facade, served) as ec:
            jobs = ec.scope(scope_id).jobs
            job_id = build_job(facade, ec, scope_id, "interval", devices)
            interval = facade.run(ec.trigger_definitions.find("Interval Job"))
            trigger = facade.run(
                jobs.triggers(job_id).create(
                    JobTriggerCreator(
                        name="hourly",
                        trigger_definition_id=interval.id,
                        starts_on=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
                        trigger_properties=[
                            TriggerProperty(
                                name="interval",
                                property_type="java.lang.Integer",
                                property_value="3600",
                            )
                        ],
                    )
                )
            )
            fired = jobs.triggers(job_id).fired(trigger.id)
            assert eventually(lambda: 1 == facade.run(fired.count()))
            facade.run(jobs.wait_for_execution(job_id, timeout=30))
            served.admin.advance_clock(3600)
            assert eventually(lambda: 2 == facade.run(fired.count()))
            firings = facade.run(fired.list(status="FIRED"))
            queried = facade.run(fired.query())
            facade.run(jobs.wait_for_execution(job_id, timeout=30))
            executions = facade.run(jobs.executions(job_id).count())

        properties = {p.name: p.property_value for p in trigger.trigger_properties}
        assert {"interval": "3600", "jobId": job_id, "scopeId": scope_id} == properties
        assert [trigger.id] * 2 == [f.trigger_id for f in firings]
        assert 2 == len(queried)
        assert 2 == executions

    def test_trigger_lifecycle(self, facade: Facade, served: Emulator) -> None:
        """A cron trigger is kept, renamed and deleted; the emulator never fires it."""
        with _client(facade, served) as ec:
            job = facade.run(ec.jobs.create(JobCreator(name="cron")))
            triggers = ec.jobs.triggers(job.id)
            cron = facade.run(ec.trigger_definitions.find("Cron Job"))
            created = facade.run(
                triggers.create(
                    JobTriggerCreator(
                        name="nightly",
                        trigger_definition_id=cron.id,
                        starts_on=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                        trigger_properties=[
                            TriggerProperty(
                                name="cronExpression",
                                property_type="java.lang.String",
                                property_value="0 0 2 * * ?",
                            )
                        ],
                    )
                )
            )
            renamed = facade.run(triggers.update(attrs.evolve(created, name="at-two")))
            listed = facade.run(triggers.list(name="at-two"))
            count = facade.run(triggers.count())
            queried = facade.run(triggers.query())
            every = facade.collect(triggers.iter())
            fired = facade.run(triggers.fired(created.id).count())
            facade.run(triggers.delete(created.id))
            with pytest.raises(ec_async.NotFound):
                facade.run(triggers.get(created.id))

        assert "at-two" == renamed.name
        assert [created.id] == [t.id for t in listed] == [t.id for t in every]
        assert 1 == count == len(queried)
        assert 0 == fired

    def test_interval_must_be_positive(self, facade: Facade, served: Emulator) -> None:
        """An interval trigger without a positive interval is a BadRequest."""
        with _client(facade, served) as ec:
            job = facade.run(ec.jobs.create(JobCreator(name="no-interval")))
            interval = facade.run(ec.trigger_definitions.find("Interval Job"))
            with pytest.raises(ec_async.BadRequest):
                facade.run(
                    ec.jobs.triggers(job.id).create(
                        JobTriggerCreator(
                            name="never",
                            trigger_definition_id=interval.id,
                            starts_on=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                        )
                    )
                )


class TestDefinitions:
    """The step and trigger definitions the server ships."""

    def test_step_definitions(self, facade: Facade, served: Emulator) -> None:
        """Kapua's ten device management steps, each with its properties."""
        with _client(facade, served) as ec:
            definitions = ec.job_step_definitions
            page = facade.run(definitions.list())
            command = facade.run(definitions.get(page.items[0].id))
            count = facade.run(definitions.count())
            first_two = facade.run(definitions.query(limit=2))
            with pytest.raises(ec_async.ConfigurationError, match="no step definition"):
                facade.run(definitions.find("Reboot"))

        names = [d.name for d in page]
        assert sorted(names) == names
        assert {
            "Asset Write",
            "Bundle Start",
            "Bundle Stop",
            "Command Execution",
            "Configuration Put",
            "Package Download / Install",
            "Package Uninstall",
        } <= set(names)
        assert page.items[0] == command
        assert 10 == count
        assert 2 == len(first_two)
        timeout = next(p for p in page.items[0].step_properties if p.name == "timeout")
        assert ("java.lang.Long", "30000", False) == (
            timeout.property_type,
            timeout.property_value,
            timeout.required,
        )

    def test_trigger_definitions(self, facade: Facade, served: Emulator) -> None:
        """Cron, interval and device-connect triggers; the interval one takes seconds."""
        with _client(facade, served) as ec:
            definitions = ec.trigger_definitions
            page = facade.run(definitions.list())
            interval = facade.run(definitions.find("Interval Job"))
            again = facade.run(definitions.get(interval.id))
            count = facade.run(definitions.count())
            queried = facade.run(definitions.query())

        assert ["Cron Job", "Device Connect", "Interval Job"] == [d.name for d in page]
        assert ["TIMER", "EVENT", "TIMER"] == [d.trigger_type for d in page]
        assert ["interval", "jobId", "scopeId"] == [
            p.name for p in interval.trigger_properties
        ]
        assert interval == again
        assert 3 == count == len(queried)
