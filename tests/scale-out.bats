#!/usr/bin/env bats
# Scale-out beyond one machine: two "hosts", each a network namespace with
# a veth link to this one, its own address, its own sshd and its own disk
# (a folder bind-mounted, in the host's mount namespace, over the folder
# jobs run in), reached with ssh keys made for the test.  GNU parallel
# sends each part file of a silver dataset to a host (--transferfile),
# runs mb-agg --partial and mb-rfm --partial on it there, brings the states
# back (--return) and removes what it sent (--cleanup); the merge here must
# be byte for byte what one pass over the whole dataset on one host gives.
# Needs root (network namespaces); everything is removed at the end, also
# when a test fails.

load helper

# host_addr N: host N's address
host_addr() {
	echo "10.251.$NET.$(($1 * 4 - 2))"
}

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	export T="$BATS_FILE_TMPDIR" ID=$$
	chmod 755 "$T"
	# one run of this file at a time on the machine (the suite may run in
	# several checkouts at once): the namespaces' subnets cannot collide
	exec 9> /tmp/mb-scale-out.lock
	flock -w 600 9
	# a /30 per host in 10.251.NET.0/24, a NET no interface uses
	NET=$((ID % 200 + 20))
	while ip -4 addr show | grep -q "inet 10\.251\.$NET\."; do
		NET=$(((NET + 1) % 250))
	done
	export NET
	mkdir -p /run/sshd "$T/remote"
	ssh-keygen -q -t ed25519 -N '' -C mb-test -f "$T/client_key"
	cp "$T/client_key.pub" "$T/authorized_keys"
	: > "$T/known_hosts"
	cat > "$T/ssh_config" <<-EOF
	Host *
	  User root
	  IdentityFile $T/client_key
	  IdentitiesOnly yes
	  UserKnownHostsFile $T/known_hosts
	  StrictHostKeyChecking yes
	  BatchMode yes
	  ConnectTimeout 5
	  ControlMaster auto
	  ControlPath $T/cm-%h
	  ControlPersist 120
	EOF
	for h in 1 2; do
		ns=mb$ID-$h hv=mb${ID}h$h nv=mb${ID}n$h addr=$(host_addr $h)
		ip netns add "$ns"
		ip link add "$hv" type veth peer name "$nv"
		ip link set "$nv" netns "$ns"
		ip addr add "10.251.$NET.$((h * 4 - 3))/30" dev "$hv"
		ip link set "$hv" up
		ip netns exec "$ns" ip addr add "$addr/30" dev "$nv"
		ip netns exec "$ns" ip link set "$nv" up
		ip netns exec "$ns" ip link set lo up
		ssh-keygen -q -t ed25519 -N '' -C "host$h" -f "$T/host$h"
		echo "$addr $(cut -d' ' -f1,2 "$T/host$h.pub")" >> "$T/known_hosts"
		mkdir "$T/disk$h"
		# the mb tools at the same path as here, as if installed alike;
		# a home on the host's own disk, so that the remote shell reads
		# none of this machine's rc files (whatever they print would be
		# in the job's output)
		cat > "$T/sshd$h.conf" <<-EOF
		ListenAddress $addr
		HostKey $T/host$h
		PidFile $T/sshd$h.pid
		AuthorizedKeysFile $T/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		SetEnv HOME=$T/remote PATH=$(dirname "$(command -v mb-agg)"):/usr/bin:/bin LC_ALL=C TZ=UTC "ASAN_OPTIONS=$ASAN_OPTIONS" "UBSAN_OPTIONS=$UBSAN_OPTIONS"
		EOF
		ip netns exec "$ns" sh -c "mount --bind '$T/disk$h' '$T/remote' &&
			exec /usr/sbin/sshd -f '$T/sshd$h.conf' -E '$T/sshd$h.log'" 3>&- 9>&-
	done
	# the first ssh to each host opens the connection that the others share
	for h in 1 2; do
		for _ in $(seq 50); do
			ssh -F "$T/ssh_config" "$(host_addr $h)" true 3>&- 9>&- 2>/dev/null && break
			sleep 0.2
		done
	done
	export LOGINS="2/$(host_addr 1),2/$(host_addr 2)"

	# silver: 6000 orders in six part files
	mkdir "$T/job"
	cd "$T/job"
	mb-gen -n 6000 --seed 11 | mb-ingest -q - | mb-write -q -n 1000 lake/silver/orders
}

teardown_file() {
	[ "$(id -u)" = 0 ] || return 0
	for h in 1 2; do
		ssh -F "$T/ssh_config" -O exit "$(host_addr $h)" 2>/dev/null
		# every process of the host: sshd and its sessions
		for p in $(ip netns pids "mb$ID-$h" 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
		ip netns del "mb$ID-$h" 2>/dev/null
		ip link del "mb${ID}h$h" 2>/dev/null
	done
	true
}

setup() {
	[ "$(id -u)" = 0 ] || skip "not root: network namespaces need root (CI runs the suite as root)"
	cd "$T/job"
}

AGG='--by region,status --count --sum amount --avg unit_price --distinct customer_id --min order_ts --max order_ts --first order_id --last order_id --quantile amount:0.5,0.9'
RFM='--customer customer_id --time order_ts --amount amount'

# on_hosts LOGINS: the job, as a user would type it.  --wd ... gives each
# job a folder of its own under the host's ~/.parallel/tmp: jobs sharing
# one race, one's --cleanup removing the folders another's rsync fills.
on_hosts() {
	rm -rf state
	mb-cat --files lake/silver/orders |
	parallel --will-cite --ssh "ssh -F $T/ssh_config" -S "$1" --joblog joblog \
		--wd ... --transferfile {} \
		--return state/{#}.agg --return state/{#}.rfm --cleanup \
		"mkdir -p state && mb-agg --partial $AGG {} > state/{#}.agg &&
		 mb-rfm --partial $RFM {} > state/{#}.rfm"
}

# merge EXT MERGE-COMMAND...: the returned states, in the order of the
# files, into one result
merge() {
	ext=$1
	shift
	for i in $(seq "$(mb-cat --files lake/silver/orders | wc -l)"); do
		cat "state/$i.$ext"
	done | "$@"
}

@test "scale-out: two hosts over ssh run mb-agg and mb-rfm --partial on their share of the files; the merge is byte for byte the single-host run" {
	run mb-cat --files lake/silver/orders
	assert_equal "${#lines[@]}" 6
	run ssh -F "$T/ssh_config" "$(host_addr 2)" 'echo "$HOME"; command -v mb-agg'
	assert_output "$T/remote
$(command -v mb-agg)"
	run on_hosts "$LOGINS"
	assert_success
	assert_output ""
	# both hosts did some of the jobs, each job ended well
	run bash -c "tail -n +2 joblog | cut -f2 | sort -u"
	assert_output "$(host_addr 1)
$(host_addr 2)"
	run bash -c "tail -n +2 joblog | cut -f7 | sort -u"
	assert_output 0
	# the files went over the network and were removed there afterwards
	grep -q "Accepted publickey for root" "$T/sshd1.log"
	grep -q "Accepted publickey for root" "$T/sshd2.log"
	run find "$T/disk1" "$T/disk2" -type f
	assert_output ""
	merge agg mb-agg --merge $AGG > gold.multi
	mb-cat lake/silver/orders | mb-agg $AGG > gold.single
	cmp gold.multi gold.single
	run wc -l < gold.single
	assert_output 20
	merge rfm mb-rfm --merge $RFM > rfm.multi
	mb-cat lake/silver/orders | mb-rfm $RFM > rfm.single
	cmp rfm.multi rfm.single
	[ "$(wc -l < rfm.single)" -gt 1000 ]
	merge rfm mb-rfm --merge --summary $RFM > seg.multi
	mb-cat lake/silver/orders | mb-rfm --summary $RFM > seg.single
	cmp seg.multi seg.single
}

@test "scale-out: a job that fails on a host makes parallel fail, and no merge is made of what came back" {
	# a part file that is not NDJSON, among the good ones
	cp -r lake bad
	f=$(mb-cat --files bad/silver/orders | sed -n 3p)
	chmod u+w "$f"
	printf 'not json\n' | zstd -q > "$f"
	run bash -c "mb-cat --files bad/silver/orders |
		parallel --will-cite --ssh 'ssh -F $T/ssh_config' -S '$LOGINS' --halt now,fail=1 \
		--wd ... --transferfile {} --return state/{#}.agg --cleanup \
		'mkdir -p state && mb-agg --partial $AGG {} > state/{#}.agg' &&
		echo merged"
	assert_failure
	assert_output --partial "mb-agg: $f:1: "
	refute_output --partial merged
}

@test "scale-out: with a host down the run fails, and run again on the host that answers it gives the same result" {
	ssh -F "$T/ssh_config" -O exit "$(host_addr 2)" 2>/dev/null
	for p in $(ip netns pids "mb$ID-2"); do kill "$p"; done
	run on_hosts "$LOGINS"
	assert_failure
	run on_hosts "2/$(host_addr 1)"
	assert_success
	assert_output ""
	run bash -c "tail -n +2 joblog | cut -f2 | sort -u"
	assert_output "$(host_addr 1)"
	merge agg mb-agg --merge $AGG > gold.multi
	mb-cat lake/silver/orders | mb-agg $AGG | cmp - gold.multi
	merge rfm mb-rfm --merge $RFM > rfm.multi
	mb-cat lake/silver/orders | mb-rfm $RFM | cmp - rfm.multi
}
