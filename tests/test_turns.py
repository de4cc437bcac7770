"""Page runs of one server process take turns (hub.ui.context.run_turn, HUB_RUNS_AT_ONCE)."""

import threading
import time

from hub.ui.context import outside_turn, run_turn


def _inside_at_once(at_once: int, runs: int, hold: float = 0.05, step_out: bool = False):
    """The most runs that were inside their turn at the same moment, and the order they got
    their turn in (they arrive in order, 10 ms apart)."""
    inside, most, order, lock = 0, 0, [], threading.Lock()

    def run(n):
        nonlocal inside, most
        with run_turn(at_once):
            with lock:
                inside += 1
                most = max(most, inside)
                order.append(n)
            if step_out:
                with outside_turn():  # e.g. a report being built
                    time.sleep(hold)
            else:
                time.sleep(hold)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(runs)]
    for thread in threads:
        thread.start()
        time.sleep(0.01)
    for thread in threads:
        thread.join()
    return most, order


def test_runs_take_turns_first_come_first_served():
    most, order = _inside_at_once(1, 5)
    assert most == 1 and order == [0, 1, 2, 3, 4]


def test_more_runs_at_once_when_the_setting_allows():
    assert _inside_at_once(2, 4)[0] == 2


def test_a_run_doing_long_work_outside_its_turn_lets_the_others_in():
    assert _inside_at_once(1, 3, step_out=True)[0] == 3


def test_a_run_that_fails_gives_its_turn_back():
    try:
        with run_turn(1):
            raise RuntimeError("a page failed")
    except RuntimeError:
        pass
    taken = threading.Event()

    def next_run():
        with run_turn(1):
            taken.set()

    threading.Thread(target=next_run, daemon=True).start()
    assert taken.wait(timeout=5), "the failed run kept its turn"
