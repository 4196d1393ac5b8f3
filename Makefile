# Podium: `make run` builds and serves on http://127.0.0.1:8080; `make test` runs every test.
.PHONY: all deps build web run test test-media unit e2e asan bench fuzz clean format

JOBS ?= 2
HTTP ?= 127.0.0.1:8080
UDP ?= 127.0.0.1:40000
DATA ?= ./data

all: build

deps:
	@scripts/deps.sh

# The server binary (optimised, with debug info) at build/podium, and the browser app.
build: web
	@[ -f build/release/build.ninja ] || cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	@ln -sf release/podium build/podium
	@ln -sf release/podium-loadtest build/podium-loadtest

# The browser app (web/app) built into web/app/dist; npm ci only when node_modules is
# missing or older than the lockfile.
web:
	@cd web/app && { [ -d node_modules ] && [ ! package-lock.json -nt node_modules ] || \
	  npm ci --no-audit --no-fund --loglevel=error; }
	cd web/app && npm run --silent build

run: deps build
	build/podium serve --http $(HTTP) --udp $(UDP) --data-dir $(DATA)

# Every test (unit, integration, fuzz corpora, and the browser tests against the
# instrumented server) built with AddressSanitizer + UBSan.
test: deps asan
	ctest --test-dir build/asan --output-on-failure -j $(JOBS) -LE media

# The long media-quality cases (burst loss, 10 % loss, reordering, a minute of loss;
# docs/media-quality.md), a few minutes on their own.
test-media: deps asan
	ctest --test-dir build/asan --output-on-failure -L media

asan: web
	@[ -f build/asan/build.ninja ] || cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

unit: asan
	ctest --test-dir build/asan --output-on-failure -j $(JOBS) -LE e2e

e2e: asan
	ctest --test-dir build/asan --output-on-failure -L e2e -LE media

# The benchmark binaries (the bench preset), then the system benchmarks: Podium and Janus
# under the same load in one network namespace, server on core 0, load client on core 1
# (bench/system/run.py, about 18 minutes; QUICK=1 for a short sweep of about 2). Numbers
# go to build/bench-results.json; the plots to docs/benchmarks/ (build/bench-plots/ when
# QUICK). Without QUICK, also the delays at half load (build/bench-half.json) and one
# conference over one and two workers (bench/relay/two_workers.py --sink drop, about 5
# minutes, build/bench-two-workers.json). NICE=-15 gives server and client priority on a
# shared machine. See docs/benchmarks.md.
bench: deps
	@[ -f build/bench/build.ninja ] || cmake --preset bench >/dev/null
	cmake --build --preset bench -j $(JOBS)
	unshare --net sh -c 'ip link set lo up && build/bench/bench/forward_bench --benchmark_min_time=0.2 \
	  --benchmark_out=build/bench-micro.json --benchmark_out_format=json && \
	  build/bench/bench/signaling_commands 4000 32 && build/bench/bench/signaling_commands 4000 1'
	python3 bench/system/run.py --podium build/bench/podium --loadtest build/bench/podium-loadtest \
	  --preset $(if $(QUICK),quick,full) $(if $(NICE),--nice $(NICE)) --json build/bench-results.json
	/usr/bin/python3 bench/system/plot.py build/bench-results.json $(if $(QUICK),build/bench-plots,docs/benchmarks)
	$(if $(QUICK),,python3 bench/system/run.py --podium build/bench/podium --loadtest build/bench/podium-loadtest \
	  --preset half --repeat 2 $(if $(NICE),--nice $(NICE)) --json build/bench-half.json)
	$(if $(QUICK),,python3 bench/relay/two_workers.py --podium build/bench/podium --loadtest build/bench/podium-loadtest \
	  --sink drop --publishers 4 --setups w1,w2 --setup-sizes w1=600,700,800,900 \
	  --setup-sizes w2=1200,1400,1500,1600,1700 --json build/bench-two-workers.json)

fuzz:
	@dpkg-query -W clang-14 libclang-rt-14-dev >/dev/null 2>&1 || apt-get install -y -qq clang-14 libclang-rt-14-dev
	@[ -f build/fuzz/build.ninja ] || cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

format:
	find src tests fuzz bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build
