# The command of a pooled container: `python -c <this file> <script> <input>`, started
# before any job exists. It runs the script as `python <script> <input>` would, and then
# tells the server how it ended without waiting for the engine (see loader.rs).
#
# It is the container's PID 1 (no docker-init), which the kernel shields from signals
# sent inside the container: the script cannot kill it.
#
# Two processes. The child is forked at once and waits for the go-ahead; it becomes the
# script, with a fresh `__main__` and the interpreter's own exit. The parent stays a
# supervisor the script cannot reach: it alone reads the job (a nonce) from stdin, after
# the fork and after making itself non-dumpable, so that the script can neither read the
# nonce from its memory nor forge the end marker. The marker goes out on private copies
# of stdout and stderr, so a script that closes or redirects them cannot silence it.
import os
import sys

SCRIPT, INPUT = sys.argv[1:]
NONCE_LINE = 33

go_read, go_write = os.pipe()
child = os.fork()

if child == 0:
    os.close(go_write)
    null = os.open('/dev/null', os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)

    # Everything that does not depend on the job is made ready before it arrives, so
    # that the go-ahead starts the script at once (`warnings.filterwarnings` alone imports
    # and compiles regular expressions: milliseconds at the container's CPU share).
    import builtins
    import importlib.machinery
    import warnings

    def save_open_figures():
        # Figures still open when the script ends become artifacts, so that a script
        # written for a screen (plt.show()) still produces its pictures.
        pyplot = sys.modules.get('matplotlib.pyplot')
        if pyplot is None:
            return
        try:
            for n, number in enumerate(pyplot.get_fignums(), 1):
                pyplot.figure(number).savefig(f'/runner/out/figure-{n}.png')
        except Exception as error:
            print(f'code.ved: could not save the open figures: {error}', file=sys.stderr)

    # Under the Agg backend plt.show() shows nothing and says so; that is expected here.
    warnings.filterwarnings('ignore', message='.*non-GUI backend.*')
    warnings.filterwarnings('ignore', message='.*non-interactive.*')

    sys.argv[:] = [SCRIPT, INPUT]
    sys.orig_argv[:] = ['python', SCRIPT, INPUT]
    sys.path[0] = os.path.dirname(SCRIPT)
    main = type(sys)('__main__')
    main.__dict__.update(
        __file__=SCRIPT,
        __cached__=None,
        __loader__=importlib.machinery.SourceFileLoader('__main__', SCRIPT),
        __builtins__=builtins,
        __annotations__={},
    )
    sys.modules['__main__'] = main

    if os.read(go_read, 1) != b'g':
        os._exit(0)  # the supervisor is gone: there is no job
    os.close(go_read)

    # The script's packages (SPEC §15), named by the server beside the script: where
    # PYTHONPATH would put them (after the script's folder, before the standard library
    # and the image's packages), and on PYTHONPATH for any Python the script starts.
    with open(os.path.join(os.path.dirname(SCRIPT), 'environment')) as file:
        environment = file.read()
    if environment:
        sys.path.insert(1, environment)
        os.environ['PYTHONPATH'] = environment
    with open(SCRIPT, 'rb') as file:
        source = file.read()
    # Not an exit handler: pyplot registers its own, which closes every figure first.
    try:
        exec(compile(source, SCRIPT, 'exec', dont_inherit=True), main.__dict__)
    except SystemExit:
        save_open_figures()
        raise  # the interpreter turns it into the exit code, as for any script
    except BaseException as error:
        # Printed as the interpreter prints it: without this loader's frame.
        trace = error.__traceback__.tb_next
        error.__traceback__ = trace
        try:
            sys.excepthook(type(error), error, trace)
        except BaseException as hook_error:
            print('Error in sys.excepthook:', file=sys.stderr)
            sys.__excepthook__(type(hook_error), hook_error, hook_error.__traceback__)
            print('\nOriginal exception was:', file=sys.stderr)
            sys.__excepthook__(type(error), error, trace)
        save_open_figures()
        # An uncaught KeyboardInterrupt ends the interpreter by SIGINT: 128 + 2.
        raise SystemExit(130 if isinstance(error, KeyboardInterrupt) else 1) from None
    save_open_figures()
    # Falls off the end: the interpreter finishes (threads, atexit, flush) and exits.

else:
    import ctypes
    import select
    import signal

    os.close(go_read)
    out, err = os.dup(1), os.dup(2)
    for number in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM,
                   signal.SIGUSR1, signal.SIGALRM, signal.SIGTSTP):
        signal.signal(number, signal.SIG_IGN)

    # Files in /runner/out that a process still had open for writing when time was up:
    # cut short, so not kept.
    unfinished = set()

    def files_being_written():
        names = set()
        for pid in os.listdir('/proc'):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                for fd in os.listdir(f'/proc/{pid}/fd'):
                    target = os.readlink(f'/proc/{pid}/fd/{fd}')
                    with open(f'/proc/{pid}/fdinfo/{fd}') as info:
                        flags = next(line for line in info if line.startswith('flags:'))
                    # O_WRONLY or O_RDWR
                    if target.startswith('/runner/out/') and int(flags.split()[1], 8) & 3:
                        names.add(target[len('/runner/out/'):])
            except (OSError, StopIteration, ValueError):
                continue  # the process or descriptor went away meanwhile
        return names

    def time_up(number, frame):
        # The server's word that the run's time is up (TIME_UP in loader.rs): the script
        # ends here, and the report below still goes out, with the files it finished.
        unfinished.update(files_being_written())
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGUSR2, time_up)
    # PR_SET_DUMPABLE = 4: /proc/<pid>/mem, ptrace and fd/ become root's alone.
    if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:
        os.write(err, b'loader: prctl(PR_SET_DUMPABLE) failed\n')
        os._exit(70)
    os.write(out, b'\0ved-ready\n')

    job = b''
    while len(job) < NONCE_LINE:
        chunk = os.read(0, NONCE_LINE - len(job))
        if not chunk:
            os._exit(0)  # the server let go of this container unused
        job += chunk
    nonce = job.rstrip(b'\n')
    # Before the go-ahead, so that it precedes anything the script prints.
    os.write(out, b'\0ved-go\n')
    os.write(go_write, b'g')
    os.close(go_write)

    # As the container's PID 1 the loader inherits every orphan: reap them all, as
    # docker-init does in a cold container, until the script's own process has ended.
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == child:
            break
    code = os.waitstatus_to_exitcode(status)
    # What the script left running ends now, as it would with the container: nothing
    # writes to the output or to /runner/out after the report.
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    # The files left in /runner/out follow the marker on stdout, as a tar archive after
    # its length: only this process writes there now. Links are stored as links, never
    # followed; the server keeps regular files only.
    files = b''
    try:
        names = sorted(os.listdir('/runner/out'))
        for name in sorted(unfinished.intersection(names)):
            names.remove(name)
            os.write(err, b'code.ved: %s was still being written when time was up; it is not kept\n'
                     % name.encode())
        # A full folder means the file written last was cut short: it is not kept.
        if names and os.statvfs('/runner/out').f_bavail == 0:
            cut = max(names, key=lambda name: os.lstat(os.path.join('/runner/out', name)).st_mtime_ns)
            names.remove(cut)
            os.write(err, b'code.ved: /runner/out is full; %s was cut short and is not kept\n' % cut.encode())
        # No files, no archive (an empty tar is still 10 KiB of padding). Imported only
        # when needed: tarfile costs a container's start-up more than the loader else.
        if names:
            import io
            import tarfile

            archive = io.BytesIO()
            with tarfile.open(fileobj=archive, mode='w') as tar:
                for name in names:
                    tar.add(os.path.join('/runner/out', name), arcname=os.path.join('out', name))
            files = archive.getvalue()
    except Exception as error:
        os.write(err, b'code.ved: could not read /runner/out: %s\n' % str(error).encode())
        files = b''
    marker = b'\0ved-end %s %d\n' % (nonce, code)
    os.write(err, marker)
    trailer = memoryview(marker + b'%d\n' % len(files) + files)
    while trailer:
        trailer = trailer[os.write(out, trailer):]
    # The engine may end the output streams with the container before every byte of
    # them was delivered: stay until the server says it has read all (one byte on
    # stdin), or 10 s.
    select.select([0], [], [], 10)
    # As the engine would report the script itself: 128 + N for death by signal N.
    os._exit(code if code >= 0 else 128 - code)
