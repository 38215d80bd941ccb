# The two commands of the README, on a fresh Debian 12 machine:
#   make demo   installs what is missing, builds, runs the default scenario
#   make test   installs what is missing, builds, runs the whole test suite
# Everything else is CMake (CMakeLists.txt); this file is a thin wrapper.

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
CMAKE_ARGS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
SCENARIO   ?= scenarios/sichuan-chongqing/scenario.yaml
DEMO_OUT   ?= results/sichuan-chongqing.h5
ASAN_BUILD ?= build-asan

.PHONY: all deps configure build demo test asan clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	./$(BUILD)/edusim validate $(SCENARIO) -o $(DEMO_OUT) --force
	./$(BUILD)/edusim run $(SCENARIO) -o $(DEMO_OUT) --force
	./$(BUILD)/edusim compare $(DEMO_OUT)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) test BUILD=$(ASAN_BUILD) BUILD_TYPE=Debug \
	  CMAKE_ARGS="-DEDUSIM_SANITIZE=address,undefined $(CMAKE_ARGS)"

clean:
	rm -rf build build-asan
