using System.Net;
using System.Net.Sockets;

namespace Clearing.TestKit;

public static class FreePort
{
    /// <summary>A loopback TCP port that was free a moment ago (the OS picks it; the caller binds it next).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
