import com.sun.management.ThreadMXBean;
import com.sun.tools.attach.VirtualMachine;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Exact bytes allocated and CPU time per thread group of a running JVM, read through its
 * ThreadMXBean (the attach API starts the local JMX agent). Run beside a benchmark:
 *
 *   java perf/tools/ThreadStats.java PID
 *
 * then each line read on stdin prints one line: for the event-loop threads, the access-log writer
 * and the whole process, bytes allocated so far and CPU nanoseconds so far:
 * {@code loop_bytes loop_cpu_ns log_bytes log_cpu_ns all_bytes all_cpu_ns}. Differences between two
 * lines over N requests give bytes and CPU per request; threads that ended in between are not counted.
 */
public class ThreadStats {
  public static void main(String[] args) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(args[0]);
    String url = vm.startLocalManagementAgent();
    vm.detach();
    MBeanServerConnection mbs = JMXConnectorFactory.connect(new JMXServiceURL(url)).getMBeanServerConnection();
    ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(mbs, ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    while (in.readLine() != null) {
      long[] ids = threads.getAllThreadIds();
      ThreadInfo[] infos = threads.getThreadInfo(ids);
      long[] bytes = threads.getThreadAllocatedBytes(ids);
      long[] cpu = threads.getThreadCpuTime(ids);
      long lb = 0, lc = 0, ab = 0, ac = 0, gb = 0, gc = 0;
      for (int i = 0; i < ids.length; i++) {
        if (infos[i] == null || bytes[i] < 0) {
          continue;
        }
        String name = infos[i].getThreadName();
        long b = bytes[i], c = Math.max(0, cpu[i]);
        if (name.startsWith("vert.x-eventloop-thread")) {
          lb += b; lc += c;
        } else if (name.equals("gatehouse-access-log")) {
          gb += b; gc += c;
        }
        if (!name.startsWith("RMI ") && !name.startsWith("JMX ")) {
          ab += b; ac += c;   // not this tool's own JMX threads
        }
      }
      System.out.println(lb + " " + lc + " " + gb + " " + gc + " " + ab + " " + ac);
      System.out.flush();
    }
  }
}
