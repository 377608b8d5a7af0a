// Raw-socket MQTT 3.1.1 load generator for `bench/run.sh cost` (see bench/README.md). One thread, epoll, hand-built
// packets, no library: it costs far less than the broker it loads, and it says how much (getrusage) next to the
// broker's CPU (/proc/<pid>/stat) over the same window. Prints one line of key=value results.
//
//   loadgen flow    --port P --pid PID --pubs N --subs M --qos Q [--rate R/s per publisher, 0 = flat out] [--window W]
//                   [--seconds S] [--warmup S] [--max-messages N per publisher]
//                   [--devices D: D more connections first, each subscribed to its own cmnd/<i>/# and otherwise idle,
//                    as a fleet whose every device listens for commands]
//   loadgen idle    --port P --pid PID --conns N [--keepalive 60] [--hold S]
//   loadgen connect --port P --pid PID --rate R/s [--seconds S]
//   loadgen order   --port P --pid PID [--rounds N] [--gap µs] [--idle ms]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum role { PUB, SUB, IDLE, PROBE, DEV };
enum state { CONNECTING, WAIT_CONNACK, WAIT_SUBACK, READY, DONE };

typedef struct conn {
  int fd, role, state, id, want_out;
  uint8_t *in; size_t inlen, incap;
  uint8_t *out; size_t outlen, outcap;
  uint64_t seq, received, t_start, last_send;
  uint32_t inflight;
  uint16_t next_pid;
  uint64_t next_due; // paced publishers: CLOCK_MONOTONIC ns of the next publish
} conn;

static int port, broker_pid, epfd, qos = 1, pubs = 1, subs = 1, window = 100, keepalive = 60;
static double rate = 0, seconds = 10, warmup = 2, hold = 2;
static long conns_wanted = 10000, max_messages = 0, devices = 0, rounds = 30, gap_us = 0, idle_ms = 50;
static conn **all; static int nall;
static const int payload_len = 64;

static uint64_t now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec; }
static double own_cpu_s(void) {
  struct rusage u; getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
static double broker_cpu_s(void) { // utime + stime, fields 14 and 15, counted after the ')' of the command name
  char path[64], buf[2048]; snprintf(path, sizeof path, "/proc/%d/stat", broker_pid);
  FILE *f = fopen(path, "r"); if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f); fclose(f); buf[n] = 0;
  char *p = strrchr(buf, ')'); if (!p) return -1; p += 2;
  unsigned long long ut = 0, st = 0;
  for (int field = 3; field <= 15 && p; field++) {
    if (field == 14) ut = strtoull(p, NULL, 10);
    if (field == 15) st = strtoull(p, NULL, 10);
    p = strchr(p, ' '); if (p) p++;
  }
  return (ut + st) / (double)sysconf(_SC_CLK_TCK);
}
static long broker_rss_kb(void) {
  char path[64], line[256]; snprintf(path, sizeof path, "/proc/%d/status", broker_pid);
  FILE *f = fopen(path, "r"); if (!f) return -1; long kb = -1;
  while (fgets(line, sizeof line, f)) if (!strncmp(line, "VmRSS:", 6)) { kb = atol(line + 6); break; }
  fclose(f); return kb;
}

// ---- output buffering: one send() per batch; what the socket does not take waits for EPOLLOUT
static void want_out(conn *c, int on) {
  if (c->want_out == on) return;
  c->want_out = on;
  struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}
static uint8_t *reserve(conn *c, size_t n) {
  if (c->outlen + n > c->outcap) { c->outcap = (c->outlen + n) * 2; c->out = realloc(c->out, c->outcap); }
  uint8_t *p = c->out + c->outlen; c->outlen += n; return p;
}
static void flush(conn *c) {
  size_t off = 0;
  while (off < c->outlen) {
    ssize_t n = send(c->fd, c->out + off, c->outlen - off, MSG_NOSIGNAL);
    if (n > 0) { off += n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    c->outlen = 0; return; // the broker closed it: on_readable counts it
  }
  memmove(c->out, c->out + off, c->outlen - off); c->outlen -= off;
  want_out(c, c->outlen > 0);
  c->last_send = now_ns();
}

// ---- MQTT 3.1.1 packets
static uint8_t *put_header(conn *c, uint8_t type, size_t rem) {
  uint8_t hdr[5]; int h = 0; hdr[h++] = type;
  do { uint8_t b = rem % 128; rem /= 128; if (rem) b |= 128; hdr[h++] = b; } while (rem);
  uint8_t *p = reserve(c, h); memcpy(p, hdr, h); return p;
}
static void put_str(conn *c, const char *s) { size_t n = strlen(s); uint8_t *p = reserve(c, 2 + n); p[0] = n >> 8; p[1] = n; memcpy(p + 2, s, n); }
static void put_connect(conn *c) {
  char id[64]; snprintf(id, sizeof id, "lg%d-%c%d", (int)getpid(), "psicd"[c->role], c->id);
  put_header(c, 0x10, 10 + 2 + strlen(id));
  uint8_t *p = reserve(c, 10);
  memcpy(p, "\0\4MQTT\4\2", 8); p[8] = keepalive >> 8; p[9] = keepalive; // level 4, clean session
  put_str(c, id);
}
static void put_subscribe(conn *c) { // a device subscribes to its own commands, at QoS 1
  char topic[32]; if (c->role == DEV) snprintf(topic, sizeof topic, "cmnd/%d/#", c->id); else snprintf(topic, sizeof topic, "cost/#");
  put_header(c, 0x82, 2 + 2 + strlen(topic) + 1);
  uint8_t *p = reserve(c, 2); p[0] = 0; p[1] = 1;
  put_str(c, topic); *reserve(c, 1) = c->role == DEV ? 1 : qos;
}
static void put_publish(conn *c) { // topic cost/<publisher>; payload: send time (ns), publisher, sequence, padding
  char topic[32]; snprintf(topic, sizeof topic, "cost/%d", c->id);
  put_header(c, 0x30 | (qos << 1), 2 + strlen(topic) + (qos ? 2 : 0) + payload_len);
  put_str(c, topic);
  if (qos) { if (++c->next_pid == 0) c->next_pid = 1; uint8_t *p = reserve(c, 2); p[0] = c->next_pid >> 8; p[1] = c->next_pid; c->inflight++; }
  uint8_t *p = reserve(c, payload_len); memset(p, 'x', payload_len);
  uint64_t t = now_ns(); memcpy(p, &t, 8); memcpy(p + 8, &c->id, 4); memcpy(p + 12, &c->seq, 8);
  c->seq++;
}

static conn *open_conn(int role, int id, size_t incap) {
  conn *c = calloc(1, sizeof *c); c->role = role; c->id = id; c->incap = incap; c->in = malloc(incap);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) { fprintf(stderr, "socket: %s\n", strerror(errno)); exit(1); }
  int one = 1; setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) }; a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->t_start = now_ns();
  if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) { fprintf(stderr, "connect: %s\n", strerror(errno)); exit(1); }
  c->state = CONNECTING; c->want_out = 1;
  struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
  return c;
}
static void close_conn(conn *c) {
  if (c->state == DONE) return;
  if (c->state == CONNECTING) { epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL); close(c->fd); c->state = DONE; free(c->in); free(c->out); c->in = c->out = NULL; return; }
  if (c->state >= WAIT_CONNACK) { put_header(c, 0xE0, 0); flush(c); }
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL); close(c->fd); c->state = DONE;
  free(c->in); free(c->out); c->in = c->out = NULL;
}

// ---- results
static uint32_t *lat; static size_t nlat, caplat; // µs
static void add_lat(uint64_t ns) { if (nlat == caplat) { caplat = caplat ? caplat * 2 : 65536; lat = realloc(lat, caplat * 4); } lat[nlat++] = ns / 1000; }
static int cmp_u32(const void *a, const void *b) { uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b; return x < y ? -1 : x > y; }
static double pct(double p) { if (!nlat) return -1; return lat[(size_t)(p / 100.0 * (nlat - 1) + 0.5)] / 1000.0; } // ms

static int measuring; static uint64_t window_start, received_in_window, connacks, failures;

static void on_packet(conn *c, uint8_t type, uint8_t *body, size_t len) {
  switch (type >> 4) {
  case 2: // CONNACK
    if (len < 2 || body[1] != 0) { fprintf(stderr, "CONNACK refused (%d) on connection %d\n", len >= 2 ? body[1] : -1, c->id); failures++; close_conn(c); return; }
    connacks++;
    if (c->role == PROBE) { if (measuring) add_lat(now_ns() - c->t_start); close_conn(c); return; }
    if (c->role == SUB || c->role == DEV) { put_subscribe(c); flush(c); c->state = WAIT_SUBACK; } else c->state = READY;
    return;
  case 9: c->state = READY; return; // SUBACK
  case 4: if (c->inflight) c->inflight--; return; // PUBACK
  case 13: return; // PINGRESP
  case 3: { // PUBLISH to a subscriber
    int q = (type >> 1) & 3; size_t tl = (body[0] << 8) | body[1]; size_t off = 2 + tl;
    if (q) { uint8_t *p = put_header(c, 0x40, 2); (void)p; uint8_t *id = reserve(c, 2); id[0] = body[off]; id[1] = body[off + 1]; off += 2; }
    c->received++;
    if (measuring) {
      received_in_window++;
      uint64_t sent; memcpy(&sent, body + off, 8);
      if (sent >= window_start) add_lat(now_ns() - sent);
    }
    return;
  }
  }
}
static void on_readable(conn *c) {
  for (;;) {
    if (c->state == DONE) return;
    ssize_t n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      if (failures++ < 3) fprintf(stderr, "connection %d (%c) closed by the broker\n", c->id, "psicd"[c->role]);
      c->state = CONNECTING; close_conn(c); return; // no DISCONNECT on a closed connection
    }
    if (n < 0) break;
    c->inlen += n;
    size_t pos = 0;
    while (c->inlen - pos >= 2) {
      size_t rem = 0, mul = 1, i = 1;
      for (; i < 5 && pos + i < c->inlen; i++) { rem += (c->in[pos + i] & 127) * mul; mul *= 128; if (!(c->in[pos + i] & 128)) break; }
      if (pos + i >= c->inlen || pos + i + 1 + rem > c->inlen) break;
      if (i + 1 + rem > c->incap) { fprintf(stderr, "packet larger than the buffer\n"); exit(1); }
      on_packet(c, c->in[pos], c->in + pos + i + 1, rem);
      if (c->state == DONE) return;
      pos += i + 1 + rem;
    }
    memmove(c->in, c->in + pos, c->inlen - pos); c->inlen -= pos;
  }
  if (c->outlen) flush(c); // PUBACKs of the batch: one write
}
static void on_event(conn *c, uint32_t ev) {
  if (c->state == CONNECTING && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    int err = 0; socklen_t l = sizeof err; getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) { fprintf(stderr, "connect failed: %s\n", strerror(err)); failures++; c->state = WAIT_CONNACK; close_conn(c); return; }
    c->state = WAIT_CONNACK; put_connect(c); flush(c); return;
  }
  if (ev & EPOLLIN) on_readable(c);
  if (c->state != DONE && (ev & EPOLLOUT) && c->outlen) flush(c);
}
static conn timer; // its epoll events carry &timer
static void poll_once(int timeout_ms) {
  struct epoll_event evs[256];
  int n = epoll_wait(epfd, evs, 256, timeout_ms);
  for (int i = 0; i < n; i++) {
    if (evs[i].data.ptr != &timer) { on_event(evs[i].data.ptr, evs[i].events); continue; }
    uint64_t ticks; if (read(timer.fd, &ticks, 8) < 0) {} // the 1 ms tick only wakes the loop
  }
}
static int timer_fd(long period_ns) {
  int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct itimerspec s = { .it_interval = { 0, period_ns }, .it_value = { 0, period_ns } }; timerfd_settime(t, 0, &s, NULL);
  timer.fd = t;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &timer }; epoll_ctl(epfd, EPOLL_CTL_ADD, t, &ev);
  return t;
}
static void wait_all(int state, double timeout_s) {
  uint64_t end = now_ns() + timeout_s * 1e9;
  for (;;) {
    int all_there = 1; for (int i = 0; i < nall; i++) if (all[i]->state != DONE && all[i]->state < state) { all_there = 0; break; }
    if (all_there) return;
    if (now_ns() > end) { fprintf(stderr, "timed out waiting for connections\n"); exit(1); }
    poll_once(50);
  }
}
static int count_ready(void) { int n = 0; for (int i = 0; i < nall; i++) n += all[i]->state == READY; return n; }

// ---- flow: publishers -> subscribers on cost/#
static uint64_t min_sub_received(void) { uint64_t m = UINT64_MAX; for (int i = 0; i < nall; i++) if (all[i]->role == SUB && all[i]->received < m) m = all[i]->received; return m; }
static uint64_t total_sent(void) { uint64_t s = 0; for (int i = 0; i < nall; i++) if (all[i]->role == PUB) s += all[i]->seq; return s; }
static int pub_may_send(conn *c, uint64_t sent, uint64_t minrecv) {
  if (c->state != READY || (max_messages && (long)c->seq >= max_messages)) return 0;
  if (qos) return c->inflight < (uint32_t)window;
  return sent - minrecv < (uint64_t)window * pubs; // QoS 0 has no PUBACK: stay at most a window ahead of the slowest subscriber
}
static int run_flow(void) {
  all = realloc(all, (devices + pubs + subs + 1) * sizeof *all);
  uint64_t devices_until = now_ns() + 60e9;
  for (long opened = 0; opened < devices || count_ready() + (long)failures < devices;) { // 200 at a time
    if (now_ns() > devices_until) { fprintf(stderr, "timed out opening devices\n"); return 1; }
    int pending = 0; for (int i = 0; i < nall; i++) pending += all[i]->state < READY;
    while (opened < devices && pending < 200) { all[nall++] = open_conn(DEV, opened++, 256); pending++; }
    if (failures) { fprintf(stderr, "a device connection failed\n"); return 1; }
    poll_once(5);
  }
  for (int i = 0; i < subs; i++) all[nall++] = open_conn(SUB, i, 1 << 18);
  wait_all(READY, 10);
  for (int i = 0; i < pubs; i++) all[nall++] = open_conn(PUB, i, 1 << 16);
  wait_all(READY, 10);
  if (rate > 0) timer_fd(1000000); // paced: every 1 ms, each publisher sends what is due
  uint64_t t0 = now_ns(), interval = rate > 0 ? (uint64_t)(1e9 / rate) : 0, end = t0 + (warmup + seconds) * 1e9;
  for (int i = 0; i < nall; i++) if (all[i]->role == PUB) all[i]->next_due = t0 + interval * all[i]->id / pubs;
  double cpu0 = 0, own0 = 0, cpu1, own1; uint64_t t1 = 0, behind = 0;
  for (;;) {
    uint64_t now = now_ns();
    if (!measuring && now >= t0 + warmup * 1e9) { measuring = 1; window_start = now; cpu0 = broker_cpu_s(); own0 = own_cpu_s(); }
    int pubs_done = 1; uint64_t sent = total_sent(), minrecv = min_sub_received();
    for (int i = 0; i < nall; i++) {
      conn *c = all[i]; if (c->role != PUB) continue;
      if (!max_messages || (long)c->seq < max_messages) pubs_done = 0;
      int n = 0;
      while ((interval == 0 || c->next_due <= now) && pub_may_send(c, sent, minrecv) && c->outlen < 65536) {
        put_publish(c); sent++; n++; if (interval) c->next_due += interval;
      }
      if (interval && c->next_due + 10000000 < now) { behind++; c->next_due = now; } // over 10 ms late: note it, skip ahead
      if (n) flush(c);
    }
    if (now >= end || (pubs_done && max_messages)) break;
    poll_once(interval ? 5 : 20);
  }
  t1 = now_ns(); cpu1 = broker_cpu_s(); own1 = own_cpu_s(); measuring = 0;
  uint64_t received_window = received_in_window;
  // Drain: wait (up to 2 s) for what is still on its way, so that losses show.
  uint64_t expected = total_sent() * subs, drain_end = now_ns() + 2e9;
  while (now_ns() < drain_end) { uint64_t got = 0; for (int i = 0; i < nall; i++) if (all[i]->role == SUB) got += all[i]->received; if (got >= expected) break; poll_once(20); }
  uint64_t got = 0; for (int i = 0; i < nall; i++) if (all[i]->role == SUB) got += all[i]->received;
  double w = (t1 - window_start) / 1e9;
  qsort(lat, nlat, 4, cmp_u32);
  printf("result mode=flow window_s=%.3f sent=%llu expected=%llu received=%llu deliveries_per_s=%.0f messages_per_s=%.0f "
         "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f broker_cpu_s=%.3f broker_cores=%.4f broker_us_per_msg=%.2f gen_cpu_s=%.3f gen_cores=%.4f behind=%llu failures=%llu\n",
         w, (unsigned long long)total_sent(), (unsigned long long)expected, (unsigned long long)got, received_window / w, received_window / w / subs,
         pct(50), pct(99), nlat ? lat[nlat - 1] / 1000.0 : -1, cpu1 - cpu0, (cpu1 - cpu0) / w,
         received_window ? (cpu1 - cpu0) * 1e6 / (received_window / (double)subs) : -1, own1 - own0, (own1 - own0) / w,
         (unsigned long long)behind, (unsigned long long)failures);
  return 0;
}

// ---- idle: N connections that only keep alive; VmRSS before and after
static int run_idle(void) {
  usleep(500000);
  long before = broker_rss_kb(); double own0 = own_cpu_s(), cpu0 = broker_cpu_s();
  uint64_t t0 = now_ns();
  all = realloc(all, conns_wanted * sizeof *all);
  long opened = 0;
  while (count_ready() + (long)failures < conns_wanted) { // a connection the broker refuses or drops counts as a failure
    int pending = 0; for (int i = 0; i < nall; i++) pending += all[i]->state < READY;
    while (opened < conns_wanted && pending < 200) { all[nall++] = open_conn(IDLE, opened++, 256); pending++; }
    if (now_ns() - t0 > 60e9) { fprintf(stderr, "timed out opening connections\n"); return 1; }
    poll_once(5);
  }
  double connect_s = (now_ns() - t0) / 1e9;
  uint64_t hold_end = now_ns() + hold * 1e9, last_ping = now_ns();
  while (now_ns() < hold_end) { // keep alive: PINGREQ at half the keep-alive (never in a short hold, but a longer one stays legal)
    poll_once(100);
    if (now_ns() - last_ping > keepalive * 5e8) { for (int i = 0; i < nall; i++) if (all[i]->state == READY) { put_header(all[i], 0xC0, 0); flush(all[i]); } last_ping = now_ns(); }
  }
  long after = broker_rss_kb(); double own1 = own_cpu_s(), cpu1 = broker_cpu_s();
  printf("result mode=idle conns=%d rss_before_kb=%ld rss_after_kb=%ld bytes_per_conn=%.0f connect_s=%.3f broker_cpu_s=%.3f gen_cpu_s=%.3f failures=%llu\n",
         count_ready(), before, after, (after - before) * 1024.0 / count_ready(), connect_s, cpu1 - cpu0, own1 - own0, (unsigned long long)failures);
  for (int i = 0; i < nall; i++) close_conn(all[i]);
  return 0;
}

// ---- connect: R new connections a second, each CONNECT -> CONNACK, then DISCONNECT
static int run_connect(void) {
  all = realloc(all, (size_t)(rate * seconds + 16) * sizeof *all);
  timer_fd(1000000);
  double cpu0 = broker_cpu_s(), own0 = own_cpu_s();
  uint64_t t0 = now_ns(), interval = 1e9 / rate, next = t0, end = t0 + seconds * 1e9; long opened = 0;
  measuring = 1;
  while (now_ns() < end) {
    uint64_t now = now_ns();
    while (next <= now && next < end) { all[nall++] = open_conn(PROBE, opened++, 256); next += interval; }
    poll_once(5);
  }
  uint64_t drain_end = now_ns() + 5e9;
  while (now_ns() < drain_end && connacks + failures < (uint64_t)opened) poll_once(20);
  double w = (now_ns() - t0) / 1e9, cpu1 = broker_cpu_s(), own1 = own_cpu_s();
  for (int i = 0; i < nall; i++) if (all[i]->state != DONE) { failures++; close_conn(all[i]); }
  qsort(lat, nlat, 4, cmp_u32);
  printf("result mode=connect opened=%ld connacks=%llu rate=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f broker_cpu_s=%.3f broker_cores=%.4f gen_cpu_s=%.3f gen_cores=%.4f failures=%llu\n",
         opened, (unsigned long long)connacks, opened / seconds, pct(50), pct(99), nlat ? lat[nlat - 1] / 1000.0 : -1, cpu1 - cpu0, (cpu1 - cpu0) / w, own1 - own0, (own1 - own0) / w, (unsigned long long)failures);
  return 0;
}

// ---- order: a SUBSCRIBE sent on one connection, then a PUBLISH on another: is the subscriber the message's?
// Each round opens two connections; B subscribes (QoS 0, no wait for SUBACK), A publishes to the same topic --gap µs later,
// and B waits 300 ms for the message. MQTT promises no order across connections, but scripts (and Paho's interoperability
// tests) count on what Mosquitto gives: packets handled in the order they arrived. Also: how long a PINGREQ takes to be
// answered on a connection idle for --idle ms (median), which is what a broker's wake-up costs.
static int blocking_conn(const char *id) {
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  struct timeval tv = { .tv_sec = 0, .tv_usec = 300000 };
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { close(fd); return -1; }
  uint8_t p[64]; size_t n = strlen(id);
  uint8_t head[] = { 0x10, (uint8_t)(12 + n), 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, (uint8_t)n };
  memcpy(p, head, sizeof head); memcpy(p + sizeof head, id, n);
  uint8_t ack[4];
  if (write(fd, p, sizeof head + n) < 0 || recv(fd, ack, 4, MSG_WAITALL) != 4 || ack[0] != 0x20 || ack[3] != 0) { close(fd); return -1; }
  return fd;
}
static size_t topic_packet(uint8_t *p, uint8_t type, const char *topic, int subscribe) { // SUBSCRIBE id 1 QoS 0, or PUBLISH QoS 0 "x"
  size_t n = strlen(topic), len = subscribe ? 2 + 2 + n + 1 : 2 + n + 1;
  p[0] = type; p[1] = (uint8_t)len; size_t at = 2;
  if (subscribe) { p[at++] = 0; p[at++] = 1; }
  p[at++] = 0; p[at++] = (uint8_t)n; memcpy(p + at, topic, n); at += n;
  p[at++] = subscribe ? 0 : 'x';
  return at;
}
static int run_order(void) {
  long delivered = 0, failed = 0; uint32_t *pings = calloc(rounds, sizeof *pings); long npings = 0;
  double own0 = own_cpu_s(), cpu0 = broker_cpu_s(); uint64_t t0 = now_ns();
  for (long r = 0; r < rounds; r++) {
    char ida[32], idb[32], topic[64]; uint8_t p[128], in[256];
    snprintf(ida, sizeof ida, "order-a-%ld", r); snprintf(idb, sizeof idb, "order-b-%ld", r);
    snprintf(topic, sizeof topic, "order/%d/%ld", getpid(), r);
    int a = blocking_conn(ida), b = blocking_conn(idb);
    if (a < 0 || b < 0) { failed++; if (a >= 0) close(a); if (b >= 0) close(b); continue; }
    usleep(idle_ms * 1000);
    uint64_t t = now_ns(); uint8_t ping[2] = { 0xC0, 0 };
    if (write(a, ping, 2) == 2 && recv(a, in, 2, MSG_WAITALL) == 2 && in[0] == 0xD0) pings[npings++] = (uint32_t)((now_ns() - t) / 1000);
    usleep(idle_ms * 1000);
    size_t sn = topic_packet(p, 0x82, topic, 1);
    if (write(b, p, sn) < 0) { failed++; close(a); close(b); continue; }
    uint64_t due = now_ns() + gap_us * 1000; while (now_ns() < due) { }
    size_t pn = topic_packet(p, 0x30, topic, 0);
    if (write(a, p, pn) < 0) { failed++; close(a); close(b); continue; }
    size_t got = 0; ssize_t k; int seen = 0; // SUBACK (5 bytes), then the PUBLISH if it came
    while (!seen && (k = recv(b, in + got, sizeof in - got, 0)) > 0) { got += k; seen = got > 5 && (in[5] & 0xF0) == 0x30; }
    delivered += seen;
    close(a); close(b);
  }
  qsort(pings, npings, 4, cmp_u32);
  double w = (now_ns() - t0) / 1e9, cpu = broker_cpu_s() - cpu0, own = own_cpu_s() - own0;
  printf("result mode=order rounds=%ld delivered=%ld delivered_pct=%.1f gap_us=%ld idle_pingresp_us=%u failures=%ld broker_cores=%.4f gen_cores=%.4f\n",
         rounds, delivered, 100.0 * delivered / rounds, gap_us, npings ? pings[npings / 2] : 0, failed, cpu / w, own / w);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: loadgen flow|idle|connect|order --port P --pid PID [options]; see the comment at the top of loadgen.c\n"); return 2; }
  for (int i = 2; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--port")) port = atoi(v); else if (!strcmp(k, "--pid")) broker_pid = atoi(v);
    else if (!strcmp(k, "--pubs")) pubs = atoi(v); else if (!strcmp(k, "--subs")) subs = atoi(v);
    else if (!strcmp(k, "--qos")) qos = atoi(v); else if (!strcmp(k, "--rate")) rate = atof(v);
    else if (!strcmp(k, "--window")) window = atoi(v); else if (!strcmp(k, "--seconds")) seconds = atof(v);
    else if (!strcmp(k, "--warmup")) warmup = atof(v); else if (!strcmp(k, "--max-messages")) max_messages = atol(v);
    else if (!strcmp(k, "--conns")) conns_wanted = atol(v); else if (!strcmp(k, "--keepalive")) keepalive = atoi(v);
    else if (!strcmp(k, "--hold")) hold = atof(v); else if (!strcmp(k, "--devices")) devices = atol(v);
    else if (!strcmp(k, "--rounds")) rounds = atol(v); else if (!strcmp(k, "--gap")) gap_us = atol(v);
    else if (!strcmp(k, "--idle")) idle_ms = atol(v);
    else { fprintf(stderr, "unknown option %s\n", k); return 2; }
  }
  if (!port || !broker_pid) { fprintf(stderr, "--port and --pid are required\n"); return 2; }
  struct rlimit r; getrlimit(RLIMIT_NOFILE, &r); r.rlim_cur = r.rlim_max; setrlimit(RLIMIT_NOFILE, &r); // 10,000 idle connections
  epfd = epoll_create1(0);
  all = calloc(pubs + subs + 1, sizeof *all);
  if (!strcmp(argv[1], "flow")) return run_flow();
  if (!strcmp(argv[1], "idle")) return run_idle();
  if (!strcmp(argv[1], "connect")) return run_connect();
  if (!strcmp(argv[1], "order")) return run_order();
  fprintf(stderr, "unknown mode %s\n", argv[1]); return 2;
}
