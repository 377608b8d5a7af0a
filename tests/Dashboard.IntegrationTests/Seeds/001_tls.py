import paho.mqtt.client as mqtt
import ssl
import time
import random

client = mqtt.Client()

# Configure TLS
client.tls_set(
    ca_certs="/path/to/ca.crt",
    certfile="/path/to/client.crt",
    keyfile="/path/to/client.key",
    tls_version=ssl.PROTOCOL_TLSv1_2
)

client.connect("mqtt.example.com", 8883, 60)

# Publish messages
while True:
    temperature = random.uniform(20.0, 30.0)
    client.publish("home/living-room/temperature", f"{temperature:.1f}")
    print(f"Published: {temperature:.1f}°C")
    time.sleep(5)
